/*
 * structures/rope/rope_delta_node.c - a delta's cached metrics: the whole
 * text, the prefix before the edit, the deleted range, and the bytes
 * around the edit that decide its CR LF seams (layout in rope_delta.h,
 * the seam algebra in rope_delta_read.c).
 */
#include "rope_delta.h"

void vcow__rope_delta_fill(struct rope_delta *d, const struct rope_sum *tot,
                           const struct rope_sum *pa, const struct rope_sum *pad, unsigned edges)
{
    struct rope_sum ss;
    vcow__rope_count(d->b, d->ins, &ss);
    unsigned f = edges & (ROPE_D_A_CR | ROPE_D_AD_CR | ROPE_D_C_LF);
    bool has_s = d->ins > 0, has_c = pad->bytes < tot->bytes;
    if (has_s && d->b[0] == '\n')
        f |= ROPE_D_S_LF;
    if (has_s && d->b[d->ins - 1] == '\r')
        f |= ROPE_D_S_CR;
    bool a_cr = f & ROPE_D_A_CR, c_lf = f & ROPE_D_C_LF;
    bool s_lf = f & ROPE_D_S_LF, s_cr = f & ROPE_D_S_CR;
    int64_t seam_adc = (f & ROPE_D_AD_CR) && c_lf;
    int64_t seam_sc = s_cr && c_lf;
    int64_t seam_a = a_cr && (has_s ? s_lf : c_lf);
    d->a_cps = (uint32_t)pa->cps;
    d->a_u16 = (uint32_t)pa->u16;
    d->a_lines = (uint32_t)pa->lines;
    d->d_cps = (uint32_t)(pad->cps - pa->cps);
    d->d_u16 = (uint32_t)(pad->u16 - pa->u16);
    d->s_cps = (uint8_t)ss.cps;
    d->s_u16 = (uint8_t)ss.u16;
    d->s_lines = (uint8_t)ss.lines;
    d->c_lines = (int32_t)((int64_t)pa->lines + (int64_t)ss.lines - (int64_t)pad->lines + seam_adc -
                           seam_sc - seam_a);
    d->bytes = (uint32_t)(tot->bytes - d->del + d->ins);
    d->cps = (uint32_t)(tot->cps - d->d_cps + ss.cps);
    d->u16 = (uint32_t)(tot->u16 - d->d_u16 + ss.u16);
    if (has_c)
        d->lines = (uint32_t)((int64_t)tot->lines + d->c_lines);
    else
        d->lines = (uint32_t)(pa->lines + ss.lines - (has_s && a_cr && s_lf));
    bool first_lf = d->pos > 0 ? (tot->flags & ROPE_FIRST_LF) : has_s ? s_lf : c_lf;
    bool last_cr = has_c ? (tot->flags & ROPE_LAST_CR) : has_s ? s_cr : a_cr;
    d->flags = (uint8_t)(f | (first_lf ? ROPE_FIRST_LF : 0) | (last_cr ? ROPE_LAST_CR : 0));
}

/* Measure the base around d's edit and fill d's metrics. */
void vcow__rope_delta_measure(const struct vcow_node *base, struct rope_delta *d)
{
    struct rope_sum tot, pa, pad;
    unsigned edges = 0;
    uint64_t e = (uint64_t)d->pos + d->del;
    vcow__rope_sum(base, &tot);
    vcow__rope_prefix(base, d->pos, &pa);
    if (d->del > 0)
        vcow__rope_prefix(base, e, &pad);
    else
        pad = pa;
    /* A text with no line break has no CR and no LF: skip the lookups. */
    if (tot.lines > 0) {
        if (d->pos > 0 && vcow__rope_byte_at(base, d->pos - 1) == '\r')
            edges |= ROPE_D_A_CR;
        if (d->del == 0 ? (edges & ROPE_D_A_CR) : vcow__rope_byte_at(base, e - 1) == '\r')
            edges |= ROPE_D_AD_CR;
        if (e < tot.bytes && vcow__rope_byte_at(base, e) == '\n')
            edges |= ROPE_D_C_LF;
    }
    vcow__rope_delta_fill(d, &tot, &pa, &pad, edges);
}
