/*
 * structures/map/hamt_cstr.c - the C-string forms of the calls that take one
 * key: vcow_map_get(v, "port", &val) is vcow_map_getn(v, "port", 4, &val).
 * A NULL key is VCOW_EINVAL (the n forms accept NULL with length 0).
 */
#include <string.h>

#include <vcow/error.h>
#include <vcow/map.h>

int vcow_map_get(const vcow_version *v, const char *key, vcow_val *out)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_getn(v, key, strlen(key), out);
}

int vcow_map_contains(const vcow_version *v, const char *key, bool *out)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_containsn(v, key, strlen(key), out);
}

int vcow_map_set(vcow_txn *txn, const char *key, vcow_val val)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_setn(txn, key, strlen(key), val);
}

int vcow_map_del(vcow_txn *txn, const char *key)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_deln(txn, key, strlen(key));
}

int vcow_map_cell_set(vcow_cell *cell, const char *key, vcow_val val, uint64_t *seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_cell_setn(cell, key, strlen(key), val, seq);
}

int vcow_map_cell_del(vcow_cell *cell, const char *key, uint64_t *seq)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_cell_deln(cell, key, strlen(key), seq);
}

int vcow_map_cell_get(vcow_cell *cell, const char *key, vcow_val *out, void *buf, size_t cap)
{
    return key == NULL ? VCOW_EINVAL : vcow_map_cell_getn(cell, key, strlen(key), out, buf, cap);
}
