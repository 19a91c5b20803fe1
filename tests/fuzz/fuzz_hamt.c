/*
 * tests/fuzz/fuzz_hamt.c - libFuzzer: the hamt map through cells, txns,
 * pins, nested paths and diffs, with bad arguments, against a reference
 * model.
 *
 * The input is a program, as in fuzz_cell.c: the first byte picks history
 * and a hash mask (0 or a few bits make keys collide), then each byte picks
 * an operation (low 4 bits) and a txn / pin slot (high 4 bits), following
 * bytes its arguments. Keys come from a small alphabet (short ones to
 * collide and overwrite, two over 15 bytes so key blobs occur); byte values
 * run up to 40 bytes so value blobs occur.
 *
 * The model holds one map per committed seq and one per open txn. A map is
 * a flat list of entries keyed by a path of up to three alphabet indices
 * (a nibble each); an entry of type MAP is a nested map whose entries are
 * those one level below it. Every operation either succeeds and the model
 * follows, or returns the error the model predicts and nothing changes.
 * After every operation the head and every pinned version read exactly what
 * the model says (iteration, len, get, contains, get_path at every level),
 * which catches a txn writing into a published node. Injected allocation
 * failures may turn any write into VCOW_ENOMEM, which must change nothing.
 * At the end everything is closed and every node counter must be back to
 * zero.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vcow/vcow.h>

#include "fuzz.h"

/* The map's length (vcow_map_len), checked to succeed. */
static uint64_t map_len(const vcow_version *v)
{
    uint64_t n = 0;
    CHECK_OK(vcow_map_len(v, &n));
    return n;
}

#define MAXV   40  /* committed versions per input */
#define MAXOPS 256 /* operations per input */
#define MAXE   64  /* model entries per map, nested ones included */
#define MAXD   3   /* path depth */
#define NK     12  /* alphabet size (< 16: an index is a nibble) */

/* No '.': every key is also a path segment. 8 is the longest inline key
 * (15 bytes), 9 the shortest blob key; 10 and 11 are longer blobs. */
static const char *const keys[NK] = {
    "a",
    "b",
    "c",
    "ab",
    "key4",
    "k",
    "x1",
    "yy",
    "abcdefghijklmno",
    "abcdefghijklmnop",
    "a-very-long-key-number-ten-xxxxxxxx",
    "zz-long-key-eleven-0123456789",
};

/* ---- the model ---- */

struct mval {
    enum vcow_type type;
    uint8_t len;  /* bytes: length; byte j is fill + 7 * j */
    uint8_t fill; /* bytes (0 when len == 0, so equal values compare equal) */
    int64_t i;    /* i64, f64 bit pattern, bool */
};

struct ment {
    uint16_t path; /* (k0 + 1) | (k1 + 1) << 4 | (k2 + 1) << 8 */
    struct mval v;
};

struct mstate {
    int n;
    struct ment e[MAXE];
};

static int depth(uint16_t p)
{
    return p == 0 ? 0 : p < 16 ? 1 : p < 256 ? 2 : 3;
}

static uint16_t parent(uint16_t p)
{
    return (uint16_t)(p & ((1u << (4 * (depth(p) - 1))) - 1));
}

static uint16_t child(uint16_t p, int k)
{
    return (uint16_t)(p | (unsigned)(k + 1) << (4 * depth(p)));
}

static int find(const struct mstate *s, uint16_t p)
{
    for (int i = 0; i < s->n; i++)
        if (s->e[i].path == p)
            return i;
    return -1;
}

static int children(const struct mstate *s, uint16_t p)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += parent(s->e[i].path) == p;
    return n;
}

/* Remove the entry at p and everything below it. */
static void remove_subtree(struct mstate *s, uint16_t p)
{
    int d = depth(p), j = 0;
    uint16_t mask = (uint16_t)((1u << (4 * d)) - 1);
    for (int i = 0; i < s->n; i++)
        if (!(depth(s->e[i].path) >= d && (s->e[i].path & mask) == p))
            s->e[j++] = s->e[i];
    s->n = j;
}

static void add(struct mstate *s, uint16_t p, struct mval v)
{
    CHECK(s->n < MAXE);
    s->e[s->n].path = p;
    s->e[s->n].v = v;
    s->n++;
}

/* What vcow_map_set_path does (descend in order: a missing map starts a
 * fresh chain, a non-map is VCOW_EINVAL), applied to s on success. */
static int model_set(struct mstate *s, const uint8_t *segs, int d, struct mval v)
{
    uint16_t p = 0;
    for (int i = 0; i + 1 < d; i++) {
        p = child(p, segs[i]);
        int x = find(s, p);
        if (x < 0) {
            struct mval m = {VCOW_T_MAP, 0, 0, 0};
            add(s, p, m);
            for (int j = i + 1; j + 1 < d; j++) {
                p = child(p, segs[j]);
                add(s, p, m);
            }
            add(s, child(p, segs[d - 1]), v);
            return VCOW_OK;
        }
        if (s->e[x].v.type != VCOW_T_MAP)
            return VCOW_EINVAL;
    }
    p = child(p, segs[d - 1]);
    if (find(s, p) >= 0)
        remove_subtree(s, p); /* a map overwritten goes with its content */
    add(s, p, v);
    return VCOW_OK;
}

static int model_del(struct mstate *s, const uint8_t *segs, int d)
{
    uint16_t p = 0;
    for (int i = 0; i < d; i++) {
        p = child(p, segs[i]);
        int x = find(s, p);
        if (x < 0)
            return VCOW_ENOENT;
        if (i + 1 < d && s->e[x].v.type != VCOW_T_MAP)
            return VCOW_EINVAL;
    }
    remove_subtree(s, p);
    return VCOW_OK;
}

/* The map at a path, as hamt_nested.c's vcow__hamt_cont_at sees it: a
 * map, or an array (whose keys are indices, so with this fuzzer's keys an
 * array is always empty: the path can only end at it). */
static int model_map_at(const struct mstate *s, const uint8_t *segs, int d, uint16_t *out)
{
    uint16_t p = 0;
    for (int i = 0; i < d; i++) {
        p = child(p, segs[i]);
        int x = find(s, p);
        if (x < 0)
            return VCOW_ENOENT;
        if (s->e[x].v.type != VCOW_T_MAP && (s->e[x].v.type != VCOW_T_ARRAY || i + 1 < d))
            return VCOW_EINVAL;
    }
    *out = p;
    return VCOW_OK;
}

static bool mval_eq(const struct mval *a, const struct mval *b)
{
    return a->type == b->type && a->len == b->len && a->fill == b->fill && a->i == b->i;
}

/* Does the entry at p differ between a and b (nested maps by content)? */
static bool differs(const struct mstate *a, const struct mstate *b, uint16_t p)
{
    int ia = find(a, p), ib = find(b, p);
    if ((ia < 0) != (ib < 0))
        return true;
    if (ia < 0)
        return false;
    if (!mval_eq(&a->e[ia].v, &b->e[ib].v))
        return true;
    if (a->e[ia].v.type != VCOW_T_MAP || depth(p) == MAXD)
        return false;
    for (int k = 0; k < NK; k++)
        if (differs(a, b, child(p, k)))
            return true;
    return false;
}

/* ---- values ---- */

static void fill_bytes(uint8_t *buf, uint8_t len, uint8_t fill)
{
    for (int j = 0; j < len; j++)
        buf[j] = (uint8_t)(fill + 7 * j);
}

/* v holds m's value; bytes compared as bytes only (a copy made by
 * vcow_map_cell_getn has no NUL after it). */
static bool val_same(const vcow_val *v, const struct mval *m)
{
    if (v->type != m->type)
        return false;
    switch (m->type) {
    case VCOW_T_BYTES: {
        if (v->u.bytes.len != m->len)
            return false;
        uint8_t want[64];
        fill_bytes(want, m->len, m->fill);
        return m->len == 0 || memcmp(v->u.bytes.ptr, want, m->len) == 0;
    }
    case VCOW_T_I64:
        return v->u.i64 == m->i;
    case VCOW_T_F64: {
        int64_t bits;
        memcpy(&bits, &v->u.f64, sizeof(bits));
        return bits == m->i;
    }
    case VCOW_T_BOOL:
        return v->u.b == (m->i != 0);
    default:
        return true; /* maps: by content, checked by the walk */
    }
}

/* v, read from a version or a txn view, holds m's value; byte values end
 * in a NUL (vcow/val.h), the empty one too. */
static bool val_equal(const vcow_val *v, const struct mval *m)
{
    if (v->type == VCOW_T_BYTES &&
        (v->u.bytes.ptr == NULL || ((const uint8_t *)v->u.bytes.ptr)[v->u.bytes.len] != 0))
        return false;
    return val_same(v, m);
}

static const uint64_t f64_bits[8] = {
    0x0000000000000000ull, /* 0.0 */
    0x8000000000000000ull, /* -0.0: differs from 0.0 by bits */
    0x3ff8000000000000ull, /* 1.5 */
    0x7ff8000000000001ull, /* NaN */
    0x7ff8000000000002ull, /* another NaN */
    0x7ff0000000000000ull, /* inf */
    0xc0934a4560418937ull, /* -1234.5678 */
    0x0000000000000001ull, /* denormal */
};

/*
 * A value from two bytes. Returns false for an invalid one (v is set, m is
 * not). buf must hold 64 bytes and outlive the call that uses v.
 */
static bool make_val(uint8_t a, uint8_t b, uint8_t *buf, vcow_val *v, struct mval *m)
{
    memset(m, 0, sizeof(*m));
    switch (b % 9) {
    case 0:
    case 1:
        *v = vcow_val_i64((int64_t)(int8_t)a * 1000003);
        *m = (struct mval){VCOW_T_I64, 0, 0, v->u.i64};
        return true;
    case 2:
    case 3: {
        uint8_t len = (uint8_t)(a % 41);
        uint8_t fill = len ? b : 0;
        fill_bytes(buf, len, fill);
        *v = vcow_val_bytes(len ? buf : NULL, len);
        *m = (struct mval){VCOW_T_BYTES, len, fill, 0};
        return true;
    }
    case 4:
        *v = vcow_val_bool(a & 1);
        *m = (struct mval){VCOW_T_BOOL, 0, 0, a & 1};
        return true;
    case 5: {
        double d;
        memcpy(&d, &f64_bits[a % 8], sizeof(d));
        *v = vcow_val_f64(d);
        *m = (struct mval){VCOW_T_F64, 0, 0, (int64_t)f64_bits[a % 8]};
        return true;
    }
    case 6:
    case 7: {
        /* A new empty map, or a new empty tree, rope or array (leaves, for
         * the model: no path goes through them; no key of this fuzzer is
         * an array index, so a path into an array is VCOW_EINVAL, as
         * through any non-map). Every kind built is in every program
         * (runtime/node.c), so these are valid in this one too. */
        static const enum vcow_type nested[4] = {VCOW_T_MAP, VCOW_T_TREE, VCOW_T_ROPE,
                                                 VCOW_T_ARRAY};
        enum vcow_type ty = b % 9 == 6 ? VCOW_T_MAP : nested[a % 4];
        *v = (vcow_val){.type = ty};
        *m = (struct mval){ty, 0, 0, 0};
        return true;
    }
    default:
        switch (a % 6) {
        case 0:
            *v = vcow_val_bytes(NULL, 1 + a % 5); /* NULL with a length */
            break;
        case 1:
            *v = (vcow_val){.type = VCOW_T_NONE};
            break;
        case 2:
            *v = (vcow_val){.type = VCOW_T_TREE, .u.root = buf}; /* not a new tree */
            break;
        case 3:
            *v = (vcow_val){.type = VCOW_T_ROPE, .u.root = buf}; /* not a new rope */
            break;
        case 4:
            *v = (vcow_val){.type = VCOW_T_MAP, .u.root = buf}; /* not a new map */
            break;
        default:
            *v = (vcow_val){.type = (enum vcow_type)(8 + b)};
            break;
        }
        return false;
    }
}

static int key_index(vcow_slice k)
{
    for (int i = 0; i < NK; i++)
        if (strlen(keys[i]) == k.len && memcmp(keys[i], k.ptr, k.len) == 0)
            return i;
    return -1;
}

/* The '.'-joined path of p into buf ("" for the root). */
static const char *path_str(uint16_t p, char *buf)
{
    buf[0] = '\0';
    for (int i = 0; i < depth(p); i++) {
        if (i > 0)
            strcat(buf, ".");
        strcat(buf, keys[((p >> (4 * i)) & 15) - 1]);
    }
    return buf;
}

#define PATHBUF 128

/* ---- checking a version or a txn against a model map ---- */

struct reader {
    const vcow_version *v; /* or */
    const vcow_txn *t;
};

static int rd_iter_path(struct reader r, const char *path, vcow_visit_fn *fn, void *ctx)
{
    return r.v ? vcow_map_iter_path(r.v, path, fn, ctx)
               : vcow_map_iter_path(vcow_txn_view(r.t), path, fn, ctx);
}

static int rd_get_path(struct reader r, const char *path, vcow_val *out)
{
    return r.v ? vcow_map_get_path(r.v, path, out)
               : vcow_map_get_path(vcow_txn_view(r.t), path, out);
}

struct ictx {
    const struct mstate *s;
    uint16_t prefix;
    uint32_t seen;
    int count;
};

static int iter_cb(vcow_slice key, const vcow_val *val_p, void *ctx)
{
    vcow_val val = *val_p;
    struct ictx *c = ctx;
    int k = key_index(key);
    CHECK(k >= 0);
    CHECK(!(c->seen & 1u << k)); /* each key once */
    c->seen |= 1u << k;
    uint16_t p = child(c->prefix, k);
    int x = find(c->s, p);
    CHECK(x >= 0);
    CHECK(val_equal(&val, &c->s->e[x].v));
    if (val.type == VCOW_T_MAP) /* an empty nested map reads as root NULL */
        CHECK((val.u.root == NULL) == (children(c->s, p) == 0));
    c->count++;
    return 0;
}

static void check_level(struct reader r, const struct mstate *s, uint16_t prefix)
{
    char path[PATHBUF], sub[PATHBUF];
    path_str(prefix, path);
    struct ictx ic = {s, prefix, 0, 0};
    CHECK(rd_iter_path(r, path, iter_cb, &ic) == VCOW_OK);
    CHECK(ic.count == children(s, prefix));
    for (int k = 0; k < NK; k++) {
        uint16_t p = child(prefix, k);
        int x = find(s, p);
        vcow_val v;
        int rc = rd_get_path(r, path_str(p, sub), &v);
        if (x < 0) {
            CHECK(rc == VCOW_ENOENT);
            continue;
        }
        CHECK(rc == VCOW_OK && val_equal(&v, &s->e[x].v));
        if (v.type == VCOW_T_MAP && depth(p) < MAXD)
            check_level(r, s, p);
    }
}

/* Everything r holds is s, read every way there is. */
static void check_all(struct reader r, const struct mstate *s)
{
    uint64_t len;
    if (r.v)
        len = map_len(r.v);
    else
        CHECK(vcow_map_len(vcow_txn_view(r.t), &len) == VCOW_OK);
    CHECK(len == (size_t)children(s, 0));
    for (int k = 0; k < NK; k++) {
        int x = find(s, child(0, k));
        vcow_val v;
        int rc =
            r.v ? vcow_map_get(r.v, keys[k], &v) : vcow_map_get(vcow_txn_view(r.t), keys[k], &v);
        CHECK(x < 0 ? rc == VCOW_ENOENT : rc == VCOW_OK && val_equal(&v, &s->e[x].v));
        bool has;
        if (r.v)
            CHECK(vcow_map_contains(r.v, keys[k], &has) == VCOW_OK && has == (x >= 0));
    }
    check_level(r, s, 0);
}

/* ---- diff ---- */

struct dctx {
    const struct mstate *a, *b;
    uint16_t prefix;
    uint32_t seen;
};

static void check_side(const vcow_val *v, const struct mstate *s, uint16_t p)
{
    int x = find(s, p);
    if (x < 0)
        CHECK(v->type == VCOW_T_NONE);
    else
        CHECK(val_equal(v, &s->e[x].v));
}

static int diff_cb(vcow_slice key, const vcow_val *old_p, const vcow_val *new__p, void *ctx)
{
    /* absent as VCOW_T_NONE, as the checks below were written */
    vcow_val old = old_p != NULL ? *old_p : (vcow_val){VCOW_T_NONE, {{0}}};
    vcow_val new_ = new__p != NULL ? *new__p : (vcow_val){VCOW_T_NONE, {{0}}};
    struct dctx *c = ctx;
    int k = key_index(key);
    CHECK(k >= 0);
    CHECK(!(c->seen & 1u << k)); /* each differing key once */
    c->seen |= 1u << k;
    uint16_t p = child(c->prefix, k);
    check_side(&old, c->a, p);
    check_side(&new_, c->b, p);
    CHECK(differs(c->a, c->b, p));
    return 0;
}

static void check_diff_seen(const struct dctx *dc)
{
    for (int k = 0; k < NK; k++)
        CHECK(!!(dc->seen & 1u << k) == differs(dc->a, dc->b, child(dc->prefix, k)));
}

/* ---- the program ---- */

/* A path of 1..MAXD segments from the input. */
static int read_path(struct input *in, uint8_t *segs, char *buf)
{
    uint8_t x = next(in);
    int d = 1 + x % MAXD;
    uint16_t p = 0;
    for (int i = 0; i < d; i++) {
        segs[i] = (uint8_t)(i == 0 ? (x / MAXD) % NK : next(in) % NK);
        p = child(p, segs[i]);
    }
    path_str(p, buf);
    return d;
}

static const uint64_t masks[8] = {~0ull, ~0ull, ~0ull, ~0ull, 0, 0x7, 0xff, 0x3ffull << 20};

/* Shared by every input (the state lives in one call). */
static struct mstate hist[MAXV];
static struct mstate work[FUZZ_MAXTXN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *bigkey; /* VCOW_MAP_KEY_MAX + 1 bytes, made once */
    if (bigkey == NULL) {
        bigkey = malloc(VCOW_MAP_KEY_MAX + 1);
        CHECK(bigkey != NULL);
        memset(bigkey, 'q', VCOW_MAP_KEY_MAX + 1);
    }
    struct input in = {data, size};
    uint8_t first = next(&in);
    struct vcow_cell_opts o = {.size = sizeof(o), .history = first & 1};
    /* The mask changes only while no map exists: before open, after close. */
    vcow_debug_hash_mask(masks[(first >> 1) & 7]);
    struct fuzz_drv fd;
    if (!fuzz_open(&fd, VCOW_KIND_MAP, &o)) {
        vcow_debug_hash_mask(~0ull);
        return 0;
    }
    hist[0].n = 0;
    uint8_t vbuf[64];
    char pbuf[PATHBUF];
    uint8_t segs[MAXD];

    for (int ops = 0; in.n > 0 && fd.head < MAXV - 1 && ops < MAXOPS; ops++) {
        uint8_t op = next(&in), a = next(&in), b = next(&in);
        int slot = (op >> 4) % FUZZ_MAXTXN, ps = (op >> 4) % FUZZ_MAXPINS;
        vcow_txn *t = fd.txn[slot];
        /* What any txn call answers before it looks at its arguments. */
        int pre = fuzz_pre(&fd, slot);
        int rc;
        switch (op % 16) {
        case 0: /* begin (a finished txn in the slot is freed first) */
            if (fuzz_begin(&fd, slot))
                work[slot] = hist[fd.head];
            break;
        case 1:   /* set a top-level key */
        case 3: { /* set a path */
            vcow_val v;
            struct mval m;
            bool valid = make_val(a, b, vbuf, &v, &m);
            int d = 1;
            if (op % 16 == 1)
                segs[0] = next(&in) % NK;
            else
                d = read_path(&in, segs, pbuf);
            if (pre == VCOW_OK && valid && work[slot].n + d > MAXE)
                break; /* the model is full */
            if (op % 16 == 1)
                rc = vcow_map_set(t, keys[segs[0]], v);
            else
                rc = vcow_map_set_path(t, pbuf, v);
            if (pre != VCOW_OK || !valid) {
                CHECK(rc == (pre != VCOW_OK ? pre : VCOW_EINVAL));
                break;
            }
            struct mstate tmp = work[slot];
            int want = model_set(&tmp, segs, d, m);
            if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed);
            } else {
                CHECK(rc == want);
                if (rc == VCOW_OK)
                    work[slot] = tmp;
            }
            check_all((struct reader){NULL, t}, &work[slot]);
            break;
        }
        case 2:   /* delete a top-level key */
        case 4: { /* delete a path */
            int d = 1;
            if (op % 16 == 2) {
                segs[0] = a % NK;
                rc = vcow_map_del(t, keys[segs[0]]);
            } else {
                d = read_path(&in, segs, pbuf);
                rc = vcow_map_del_path(t, pbuf);
            }
            if (pre != VCOW_OK) {
                CHECK(rc == pre);
                break;
            }
            struct mstate tmp = work[slot];
            int want = model_del(&tmp, segs, d);
            if (rc == VCOW_ENOMEM) {
                CHECK(fd.armed);
            } else {
                CHECK(rc == want);
                if (rc == VCOW_OK)
                    work[slot] = tmp;
            }
            check_all((struct reader){NULL, t}, &work[slot]);
            break;
        }
        case 5: { /* point reads: head, then the txn */
            int k = a % NK;
            const char *key = keys[k];
            size_t klen = strlen(key);
            vcow_val v;
            vcow_read_lock();
            const vcow_version *h = vcow_cell_head(fd.cell);
            int x = find(&hist[fd.head], child(0, k));
            rc = vcow_map_getn(h, key, klen, &v);
            CHECK(x < 0 ? rc == VCOW_ENOENT
                        : rc == VCOW_OK && val_equal(&v, &hist[fd.head].e[x].v));
            bool has;
            CHECK(vcow_map_containsn(h, key, klen, &has) == VCOW_OK && has == (x >= 0));
            CHECK(map_len(h) == (size_t)children(&hist[fd.head], 0));
            vcow_read_unlock();
            rc = vcow_map_getn(vcow_txn_view(t), key, klen, &v);
            uint64_t len;
            int rl = vcow_map_len(vcow_txn_view(t), &len);
            if (pre != VCOW_OK) {
                CHECK(rc == fuzz_view_pre(pre) && rl == fuzz_view_pre(pre));
                CHECK(vcow_map_get_path(vcow_txn_view(t), key, &v) == fuzz_view_pre(pre));
                CHECK(vcow_map_iter_path(vcow_txn_view(t), "", iter_cb, NULL) ==
                      fuzz_view_pre(pre));
                CHECK(vcow_map_check(vcow_txn_view(t)) == fuzz_view_pre(pre));
                break;
            }
            x = find(&work[slot], child(0, k));
            CHECK(x < 0 ? rc == VCOW_ENOENT : rc == VCOW_OK && val_equal(&v, &work[slot].e[x].v));
            CHECK(rl == VCOW_OK && len == (size_t)children(&work[slot], 0));
            break;
        }
        case 6: /* commit */
            switch (fuzz_commit(&fd, slot)) {
            case FUZZ_COMMITTED:
                hist[fd.head] = work[slot];
                break;
            case FUZZ_NOMEM:
                check_all((struct reader){NULL, t}, &work[slot]);
                break;
            default:
                break;
            }
            break;
        case 7: /* abort, or free */
            fuzz_end(&fd, slot, b & 1);
            break;
        case 8: /* pin the head or a seq (maybe unknown) */
            if (!fuzz_pin(&fd, ps, a, b))
                break;
            CHECK(vcow_map_check(fd.pin[ps]) == VCOW_OK);
            check_all((struct reader){fd.pin[ps], NULL}, &hist[fd.pin_seq[ps]]);
            break;
        case 9: /* unpin */
            fuzz_unpin(&fd, ps);
            break;
        case 10: { /* diff and equality of two pins, whole or at a path */
            int pa = a % FUZZ_MAXPINS, pb = b % FUZZ_MAXPINS;
            if (fd.pin[pa] == NULL || fd.pin[pb] == NULL)
                break;
            const struct mstate *A = &hist[fd.pin_seq[pa]], *B = &hist[fd.pin_seq[pb]];
            struct dctx dc = {A, B, 0, 0};
            CHECK(vcow_map_diff(fd.pin[pa], fd.pin[pb], diff_cb, &dc) == VCOW_OK);
            check_diff_seen(&dc);
            bool eq;
            CHECK(vcow_map_equal(fd.pin[pa], fd.pin[pb], &eq) == VCOW_OK);
            CHECK(eq == (dc.seen == 0));
            int d = read_path(&in, segs, pbuf);
            uint16_t ma = 0, mb = 0;
            int ra = model_map_at(A, segs, d, &ma), rb = model_map_at(B, segs, d, &mb);
            int want = ra == VCOW_EINVAL || rb == VCOW_EINVAL   ? VCOW_EINVAL
                       : ra == VCOW_ENOENT && rb == VCOW_ENOENT ? VCOW_ENOENT
                                                                : VCOW_OK;
            struct dctx dp = {A, B, ra == VCOW_OK ? ma : mb, 0};
            CHECK(vcow_map_diff_path(fd.pin[pa], fd.pin[pb], pbuf, diff_cb, &dp) == want);
            if (want == VCOW_OK)
                check_diff_seen(&dp);
            break;
        }
        case 11: /* structural checks */
            vcow_read_lock();
            CHECK(vcow_map_check(vcow_cell_head(fd.cell)) == VCOW_OK);
            vcow_read_unlock();
            for (int i = 0; i < FUZZ_MAXPINS; i++)
                if (fd.pin[i] != NULL)
                    CHECK(vcow_map_check(fd.pin[i]) == VCOW_OK);
            for (int i = 0; i < FUZZ_MAXTXN; i++)
                if (fd.txn[i] != NULL)
                    CHECK(vcow_map_check(vcow_txn_view(fd.txn[i])) ==
                          (fd.open[i] ? VCOW_OK : VCOW_EINVAL));
            break;
        case 12: /* arm or disarm an allocation failure */
            fuzz_arm(&fd, b % 4 == 0 ? 0 : 1 + a % 4, a & 1);
            break;
        case 13: { /* bad arguments */
            int bad = pre != VCOW_OK ? pre : VCOW_EINVAL;
            vcow_val v = vcow_val_i64(1);
            vcow_val out;
            uint64_t len;
            switch (a % 8) {
            case 0:
                CHECK(vcow_map_setn(t, NULL, 1, v) == bad);
                CHECK(vcow_map_deln(t, NULL, 1) == bad);
                CHECK(vcow_map_getn(vcow_txn_view(t), NULL, 1, &out) == fuzz_view_pre(bad));
                break;
            case 1: /* a NULL C-string key (the empty key is a key): refused first */
                CHECK(vcow_map_set(t, NULL, v) == VCOW_EINVAL);
                CHECK(vcow_map_del(t, NULL) == VCOW_EINVAL);
                CHECK(vcow_map_get(vcow_txn_view(t), NULL, &out) == VCOW_EINVAL);
                break;
            case 2:
                CHECK(vcow_map_setn(t, bigkey, VCOW_MAP_KEY_MAX + 1, v) == bad);
                CHECK(vcow_map_deln(t, bigkey, VCOW_MAP_KEY_MAX + 1) == bad);
                CHECK(vcow_map_getn(vcow_txn_view(t), bigkey, VCOW_MAP_KEY_MAX + 1, &out) ==
                      fuzz_view_pre(bad));
                break;
            case 3: { /* an invalid value at a path */
                struct mval m;
                CHECK(!make_val(b, 8, vbuf, &v, &m)); /* 8 % 9: invalid */
                CHECK(vcow_map_set_path(t, "a.b", v) == bad);
                CHECK(vcow_map_set(t, "a", v) == bad);
                break;
            }
            case 4: { /* malformed paths */
                static const char *const paths[] = {"", ".", "a..b", ".a", "a.", NULL};
                const char *p = paths[b % 6];
                CHECK(vcow_map_set_path(t, p, v) == bad);
                CHECK(vcow_map_del_path(t, p) == bad);
                CHECK(vcow_map_get_path(vcow_txn_view(t), p, &out) == fuzz_view_pre(bad));
                vcow_read_lock();
                CHECK(vcow_map_get_path(vcow_cell_head(fd.cell), p, &out) == VCOW_EINVAL);
                vcow_read_unlock();
                break;
            }
            case 5: { /* NULL versions, outputs, callbacks */
                vcow_read_lock();
                const vcow_version *h = vcow_cell_head(fd.cell);
                CHECK(vcow_map_get(NULL, "a", &out) == VCOW_EINVAL);
                CHECK(vcow_map_getn(h, bigkey, VCOW_MAP_KEY_MAX + 1, &out) == VCOW_EINVAL);
                bool has;
                CHECK(vcow_map_containsn(h, NULL, 1, &has) == VCOW_EINVAL);
                CHECK(vcow_map_contains(NULL, "a", &has) == VCOW_EINVAL);
                CHECK(vcow_map_contains(h, "a", NULL) == VCOW_EINVAL);
                CHECK(vcow_map_len(NULL, &len) == VCOW_EINVAL);
                CHECK(vcow_map_iter(NULL, iter_cb, NULL) == VCOW_EINVAL);
                CHECK(vcow_map_iter(h, NULL, NULL) == VCOW_EINVAL);
                CHECK(vcow_map_diff(h, NULL, diff_cb, NULL) == VCOW_EINVAL);
                CHECK(vcow_map_diff(h, h, NULL, NULL) == VCOW_EINVAL);
                CHECK(vcow_map_equal(h, h, NULL) == VCOW_EINVAL);
                CHECK(vcow_map_get_path(h, "a", NULL) == VCOW_EINVAL);
                CHECK(vcow_map_iter_path(h, NULL, iter_cb, NULL) == VCOW_EINVAL);
                vcow_read_unlock();
                CHECK(vcow_map_contains(vcow_txn_view(t), "a", NULL) == fuzz_view_pre(bad));
                /* out NULL tests presence ("a" is keys[0]) */
                int has_a = find(&work[slot], child(0, 0)) >= 0 ? VCOW_OK : VCOW_ENOENT;
                CHECK(vcow_map_get(vcow_txn_view(t), "a", NULL) ==
                      (pre != VCOW_OK ? fuzz_view_pre(bad) : has_a));
                CHECK(vcow_map_len(vcow_txn_view(t), NULL) == fuzz_view_pre(bad));
                CHECK(vcow_map_iter_path(vcow_txn_view(t), "", NULL, NULL) == fuzz_view_pre(bad));
                CHECK(vcow_map_cell_set(NULL, "a", v, NULL) == VCOW_EINVAL);
                CHECK(vcow_map_cell_get(fd.cell, "a", NULL, NULL, 0) == VCOW_EINVAL);
                break;
            }
            case 6: { /* the longest key is valid: set, read, delete */
                if (pre != VCOW_OK || fd.armed)
                    break;
                CHECK(vcow_map_setn(t, bigkey, VCOW_MAP_KEY_MAX, v) == VCOW_OK);
                CHECK(vcow_map_getn(vcow_txn_view(t), bigkey, VCOW_MAP_KEY_MAX, &out) == VCOW_OK);
                CHECK(out.type == VCOW_T_I64 && out.u.i64 == 1);
                CHECK(vcow_map_len(vcow_txn_view(t), &len) == VCOW_OK);
                CHECK(len == (size_t)children(&work[slot], 0) + 1);
                CHECK(vcow_map_check(vcow_txn_view(t)) == VCOW_OK);
                CHECK(vcow_map_deln(t, bigkey, VCOW_MAP_KEY_MAX) == VCOW_OK);
                check_all((struct reader){NULL, t}, &work[slot]);
                break;
            }
            default: { /* missing txns, unknown seqs */
                CHECK(vcow_txn_commit(NULL) == VCOW_EINVAL);
                CHECK(vcow_txn_abort(NULL) == VCOW_EINVAL);
                vcow_version *pv = NULL;
                CHECK(vcow_cell_pin_at(fd.cell, fd.head + 1 + b, &pv) == VCOW_ENOENT);
                break;
            }
            }
            break;
        }
        case 14: { /* cell conveniences: one-op txns */
            int k = a % NK;
            const char *key = keys[k];
            size_t klen = strlen(key);
            struct mstate tmp = hist[fd.head];
            uint64_t seq = 0;
            uint8_t sel = next(&in);
            if (b % 3 == 0) {
                vcow_val v;
                struct mval m;
                bool valid = make_val(sel, b / 3, vbuf, &v, &m);
                if (valid && tmp.n + 1 > MAXE)
                    break; /* the model is full */
                rc = vcow_map_cell_setn(fd.cell, key, klen, v, &seq);
                if (!valid) {
                    CHECK(rc == VCOW_EINVAL);
                    break;
                }
                uint8_t s1 = (uint8_t)k;
                CHECK(model_set(&tmp, &s1, 1, m) == VCOW_OK);
            } else if (b % 3 == 1) {
                rc = vcow_map_cell_deln(fd.cell, key, klen, &seq);
                uint8_t s1 = (uint8_t)k;
                int want = model_del(&tmp, &s1, 1);
                if (want != VCOW_OK) {
                    CHECK(rc == want || (rc == VCOW_ENOMEM && fd.armed));
                    break;
                }
            } else {
                uint8_t out[64];
                size_t cap = sel % 48;
                vcow_val v;
                rc = vcow_map_cell_getn(fd.cell, key, klen, &v, out, cap);
                int x = find(&tmp, child(0, k));
                if (x < 0) {
                    CHECK(rc == VCOW_ENOENT);
                } else if (tmp.e[x].v.type == VCOW_T_BYTES && tmp.e[x].v.len + 1 > cap) {
                    /* the copy takes a NUL after the bytes: cap >= len + 1 */
                    CHECK(rc == VCOW_ERANGE && v.u.bytes.len == tmp.e[x].v.len);
                    CHECK(v.u.bytes.ptr == NULL);
                } else {
                    CHECK(rc == VCOW_OK && val_equal(&v, &tmp.e[x].v));
                    if (v.type == VCOW_T_BYTES)
                        CHECK(v.u.bytes.ptr == out && out[v.u.bytes.len] == 0);
                    if (v.type == VCOW_T_MAP || v.type == VCOW_T_ARRAY)
                        CHECK(v.u.root == NULL);
                }
                break;
            }
            if (rc == VCOW_OK) {
                fuzz_cell_wrote(&fd, seq);
                hist[fd.head] = tmp;
            } else {
                CHECK(rc == VCOW_ENOMEM && fd.armed);
            }
            break;
        }
        default: { /* a txn read in full; iteration at a path on the head */
            if (pre == VCOW_OK) {
                check_all((struct reader){NULL, t}, &work[slot]);
                CHECK(vcow_map_check(vcow_txn_view(t)) == VCOW_OK);
            }
            int d = read_path(&in, segs, pbuf);
            uint16_t m = 0;
            int want = model_map_at(&hist[fd.head], segs, d, &m);
            struct ictx ic = {&hist[fd.head], m, 0, 0};
            vcow_read_lock();
            CHECK(vcow_map_iter_path(vcow_cell_head(fd.cell), pbuf, iter_cb, &ic) == want);
            vcow_read_unlock();
            if (want == VCOW_OK)
                CHECK(ic.count == children(&hist[fd.head], m));
            break;
        }
        }
        /* The head and every pin read what the model says. */
        vcow_read_lock();
        const vcow_version *h = vcow_cell_head(fd.cell);
        CHECK(vcow_version_seq(h) == fd.head);
        check_all((struct reader){h, NULL}, &hist[fd.head]);
        vcow_read_unlock();
        for (int i = 0; i < FUZZ_MAXPINS; i++) {
            if (fd.pin[i] == NULL)
                continue;
            CHECK(vcow_version_seq(fd.pin[i]) == fd.pin_seq[i]);
            check_all((struct reader){fd.pin[i], NULL}, &hist[fd.pin_seq[i]]);
        }
    }
    fuzz_close(&fd);
    vcow_debug_hash_mask(~0ull);
    return 0;
}
