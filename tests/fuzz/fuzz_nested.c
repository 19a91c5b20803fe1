/*
 * tests/fuzz/fuzz_nested.c - libFuzzer: maps, trees and ropes nested in a
 * map cell, edited through vcow_map_enter / vcow_txn_leave in any order,
 * against a reference model.
 *
 * The first byte picks history on/off and rope_no_deltas; then each byte is
 * an operation (low 4 bits) with argument bytes after it. Keys of the maps
 * are "a", "b", "c"; paths have one or two segments; trees hold keys
 * "k0".."k3"; ropes hold up to 200 ASCII bytes. Every call's result is the
 * one the model predicts (wrong kind, wrong type, commit while inside,
 * leave outside, nesting past 8 levels), and the model changes only when
 * the call succeeds. After every commit the head, and a random earlier
 * version of the history, read exactly the model's snapshot through views.
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

#define NK      3 /* map keys */
#define NT      4 /* tree keys */
#define TEXTMAX 200
#define MAXV    64 /* commits per input */
#define NEST    8  /* VCOW_TXN_NEST_MAX */

struct m {
    enum vcow_type type; /* NONE (absent), I64, MAP, TREE, ROPE */
    int64_t i;
    struct m *kid[NK]; /* MAP */
    bool th[NT];       /* TREE */
    int64_t tv[NT];
    char text[TEXTMAX]; /* ROPE */
    uint64_t len;
};

static const char *const keys[NK] = {"a", "b", "c"};

static struct m *m_new(enum vcow_type t)
{
    struct m *m = calloc(1, sizeof(*m));
    m->type = t;
    return m;
}

static void m_free(struct m *m)
{
    if (m == NULL)
        return;
    for (int i = 0; i < NK; i++)
        m_free(m->kid[i]);
    free(m);
}

static struct m *m_copy(const struct m *m)
{
    if (m == NULL)
        return NULL;
    struct m *c = malloc(sizeof(*c));
    *c = *m;
    for (int i = 0; i < NK; i++)
        c->kid[i] = m_copy(m->kid[i]);
    return c;
}

static enum vcow_type type_of(enum vcow_kind k)
{
    return k == VCOW_KIND_MAP ? VCOW_T_MAP : k == VCOW_KIND_TREE ? VCOW_T_TREE : VCOW_T_ROPE;
}

/* ---- comparing a version with the model ---- */

static void check_struct(const vcow_version *v, const struct m *m);

static void check_tree(const vcow_version *v, const struct m *m)
{
    uint64_t n, want = 0;
    CHECK_OK(vcow_tree_len(v, &n));
    for (int k = 0; k < NT; k++) {
        char kb[3] = {'k', (char)('0' + k), 0};
        vcow_val x;
        int rc = vcow_tree_getn(v, kb, 2, &x);
        CHECK_RC(rc, m->th[k] ? VCOW_OK : VCOW_ENOENT);
        CHECK(!m->th[k] || (x.type == VCOW_T_I64 && x.u.i64 == m->tv[k]));
        want += m->th[k];
    }
    CHECK_EQ_INT(n, want);
    CHECK_OK(vcow_tree_check(v));
}

static void check_rope(const vcow_version *v, const struct m *m)
{
    struct vcow_rope_metrics mt;
    CHECK_OK(vcow_rope_len(v, &mt));
    CHECK_EQ_INT(mt.bytes, m->len);
    char buf[TEXTMAX];
    size_t got;
    CHECK_OK(vcow_rope_copy(v, VCOW_ROPE_BYTES, 0, m->len, buf, &got));
    CHECK(got == m->len && memcmp(buf, m->text, m->len) == 0);
    CHECK_OK(vcow_rope_check(v));
}

static void check_map(const vcow_version *v, const struct m *m)
{
    size_t want = 0;
    for (int k = 0; k < NK; k++) {
        const struct m *e = m->kid[k];
        vcow_val x;
        int rc = vcow_map_getn(v, keys[k], 1, &x);
        CHECK_RC(rc, e != NULL ? VCOW_OK : VCOW_ENOENT);
        if (e == NULL)
            continue;
        want++;
        CHECK_EQ_INT(x.type, e->type);
        if (e->type == VCOW_T_I64) {
            CHECK_EQ_INT(x.u.i64, e->i);
        } else {
            vcow_view w;
            const vcow_version *nv = vcow_view_of(&w, v, x);
            CHECK(nv != NULL);
            check_struct(nv, e);
        }
    }
    CHECK_EQ_INT(map_len(v), want);
}

static void check_struct(const vcow_version *v, const struct m *m)
{
    if (m->type == VCOW_T_MAP)
        check_map(v, m);
    else if (m->type == VCOW_T_TREE)
        check_tree(v, m);
    else
        check_rope(v, m);
}

/* ---- the program ---- */

struct state {
    struct fuzz_drv fd;       /* the cell; its one txn is fd.txn[0] */
    struct m *snap[MAXV + 1]; /* by seq (fd.head: the head's) */
    struct m *tm;             /* the txn's model */
    struct m *stack[NEST];    /* entered structures' models, innermost last */
    int depth;
};

static struct m *cur(struct state *s)
{
    return s->depth ? s->stack[s->depth - 1] : s->tm;
}

/* What vcow_map_enter must answer, and on success the entered model. */
static int enter_model(struct state *s, const int *seg, int nseg, enum vcow_kind kind,
                       struct m **out)
{
    struct m *m = cur(s);
    if (m->type != VCOW_T_MAP)
        return VCOW_EINVAL;
    if (s->depth == NEST)
        return VCOW_ERANGE;
    for (int i = 0; i < nseg; i++) {
        struct m *e = m->kid[seg[i]];
        enum vcow_type want = i + 1 < nseg ? VCOW_T_MAP : type_of(kind);
        if (e == NULL)
            break; /* the rest is created */
        if (e->type != want)
            return VCOW_EINVAL;
        m = e;
    }
    /* Valid: now create what is missing. */
    m = cur(s);
    for (int i = 0; i < nseg; i++) {
        enum vcow_type want = i + 1 < nseg ? VCOW_T_MAP : type_of(kind);
        if (m->kid[seg[i]] == NULL)
            m->kid[seg[i]] = m_new(want);
        m = m->kid[seg[i]];
    }
    *out = m;
    return VCOW_OK;
}

static void op(struct state *s, struct input *in)
{
    uint8_t b = next(in);
    if (s->fd.txn[0] == NULL && (b & 15) != 0 && (b & 15) != 11)
        b = 0; /* most operations need a txn: begin one */
    int rc;
    switch (b & 15) {
    case 0: /* begin */
        if (s->fd.txn[0] != NULL)
            return;
        CHECK(fuzz_begin(&s->fd, 0));
        s->tm = m_copy(s->snap[s->fd.head]);
        s->depth = 0;
        return;
    case 1: /* commit */
        if (s->fd.head == MAXV) {
            in->n = 0; /* enough versions: stop (the txn is aborted at the end) */
            return;
        }
        if (s->depth > 0) {
            CHECK_RC(vcow_txn_commit(s->fd.txn[0]), VCOW_ESTATE);
            return;
        }
        CHECK(fuzz_commit(&s->fd, 0) == FUZZ_COMMITTED);
        fuzz_end(&s->fd, 0, true);
        s->snap[s->fd.head] = s->tm;
        s->tm = NULL;
        return;
    case 2: /* abort */
        fuzz_end(&s->fd, 0, false);
        fuzz_end(&s->fd, 0, true);
        m_free(s->tm);
        s->tm = NULL;
        return;
    case 3:
    case 4: { /* enter a path of one or two segments */
        uint8_t a = next(in);
        int seg[2] = {a % NK, (a / NK) % NK};
        int nseg = (b & 15) == 3 ? 1 : 2;
        enum vcow_kind kind = (enum vcow_kind)(VCOW_KIND_MAP + (a / 9) % 3);
        char path[4] = {keys[seg[0]][0], '.', keys[seg[1]][0], 0};
        if (nseg == 1)
            path[1] = 0;
        struct m *entered = NULL;
        int want = enter_model(s, seg, nseg, kind, &entered);
        CHECK_RC(vcow_map_enter(s->fd.txn[0], path, kind), want);
        if (want == VCOW_OK)
            s->stack[s->depth++] = entered;
        return;
    }
    case 5: /* leave */
        CHECK_RC(vcow_txn_leave(s->fd.txn[0]), s->depth > 0 ? VCOW_OK : VCOW_ESTATE);
        if (s->depth > 0)
            s->depth--;
        return;
    case 6:
    case 7: { /* tree set / del */
        uint8_t a = next(in);
        int k = a % NT;
        char kb[3] = {'k', (char)('0' + k), 0};
        struct m *m = cur(s);
        if ((b & 15) == 6) {
            rc = vcow_tree_setn(s->fd.txn[0], kb, 2, vcow_val_i64(a));
            CHECK_RC(rc, m->type == VCOW_T_TREE ? VCOW_OK : VCOW_EINVAL);
            if (rc == VCOW_OK) {
                m->th[k] = true;
                m->tv[k] = a;
            }
        } else {
            rc = vcow_tree_deln(s->fd.txn[0], kb, 2);
            CHECK_RC(rc, m->type != VCOW_T_TREE ? VCOW_EINVAL : m->th[k] ? VCOW_OK : VCOW_ENOENT);
            if (rc == VCOW_OK)
                m->th[k] = false;
        }
        return;
    }
    case 8:
    case 9: { /* rope insert / delete at a byte position */
        uint8_t a = next(in), c = next(in);
        struct m *m = cur(s);
        size_t pos = m->type == VCOW_T_ROPE ? a % (m->len + 1) : 0;
        if ((b & 15) == 8) {
            char t[3] = {(char)('a' + c % 26), (char)('A' + c % 26), '\n'};
            size_t n = 1 + c % 3;
            if (m->type == VCOW_T_ROPE && m->len + n > TEXTMAX)
                return;
            rc = vcow_rope_insert(s->fd.txn[0], VCOW_ROPE_BYTES, pos, t, n);
            CHECK_RC(rc, m->type == VCOW_T_ROPE ? VCOW_OK : VCOW_EINVAL);
            if (rc == VCOW_OK) {
                memmove(m->text + pos + n, m->text + pos, m->len - pos);
                memcpy(m->text + pos, t, n);
                m->len += n;
            }
        } else {
            size_t n = c % 8;
            if (m->type == VCOW_T_ROPE && pos + n > m->len)
                n = m->len - pos;
            rc = vcow_rope_delete(s->fd.txn[0], VCOW_ROPE_BYTES, pos, n);
            CHECK_RC(rc, m->type == VCOW_T_ROPE ? VCOW_OK : VCOW_EINVAL);
            if (rc == VCOW_OK) {
                memmove(m->text + pos, m->text + pos + n, m->len - pos - n);
                m->len -= n;
            }
        }
        return;
    }
    case 10: { /* map: set an i64 (dropping whatever was there) or delete */
        uint8_t a = next(in);
        int k = a % NK;
        struct m *m = cur(s);
        if (a & 0x80) {
            rc = vcow_map_deln(s->fd.txn[0], keys[k], 1);
            CHECK_RC(rc, m->type != VCOW_T_MAP ? VCOW_EINVAL
                         : m->kid[k] != NULL   ? VCOW_OK
                                               : VCOW_ENOENT);
            if (rc == VCOW_OK) {
                m_free(m->kid[k]);
                m->kid[k] = NULL;
            }
        } else {
            rc = vcow_map_setn(s->fd.txn[0], keys[k], 1, vcow_val_i64(a));
            CHECK_RC(rc, m->type == VCOW_T_MAP ? VCOW_OK : VCOW_EINVAL);
            if (rc == VCOW_OK) {
                m_free(m->kid[k]);
                m->kid[k] = m_new(VCOW_T_I64);
                m->kid[k]->i = a;
            }
        }
        return;
    }
    default: { /* read the head and an older version */
        vcow_read_lock();
        check_map(vcow_cell_head(s->fd.cell), s->snap[s->fd.head]);
        vcow_read_unlock();
        uint64_t q = next(in) % (s->fd.head + 1);
        if (fuzz_pin_at(&s->fd, 0, q)) { /* no history: only the head lives */
            check_map(s->fd.pin[0], s->snap[q]);
            fuzz_unpin(&s->fd, 0);
        }
        return;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    uint8_t mode = next(&in);
    struct vcow_cell_opts o = {.size = sizeof(o)};
    o.history = (mode & 1) != 0;
    o.rope_no_deltas = (mode & 2) != 0;
    struct state s;
    memset(&s, 0, sizeof(s));
    CHECK(fuzz_open(&s.fd, VCOW_KIND_MAP, &o));
    s.snap[0] = m_new(VCOW_T_MAP);
    for (int i = 0; i < 512 && in.n > 0; i++)
        op(&s, &in);
    if (s.fd.txn[0] != NULL) {
        fuzz_end(&s.fd, 0, true);
        m_free(s.tm);
    }
    vcow_read_lock();
    check_map(vcow_cell_head(s.fd.cell), s.snap[s.fd.head]);
    vcow_read_unlock();
    for (uint64_t q = 0; q <= s.fd.head; q++)
        m_free(s.snap[q]);
    fuzz_close(&s.fd);
    return 0;
}
