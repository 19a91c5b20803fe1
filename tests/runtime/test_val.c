/*
 * tests/runtime/test_val.c - values: the constructors, the typed accessors
 * (the right type reads, any other answers VCOW_ETYPE and leaves the output
 * alone) and the error strings.
 */
#include "tests/test.h"

static void test_accessors(void)
{
    vcow_val vals[] = {vcow_val_i64(-5), vcow_val_f64(2.5), vcow_val_bool(true),
                       vcow_val_str("host"), vcow_val_map()};
    int64_t i = 1;
    double f = 1;
    bool b = false;
    vcow_slice s = {NULL, 0};
    const char *str = NULL;
    CHECK_OK(vcow_val_as_i64(&vals[0], &i));
    CHECK_EQ_INT(i, -5);
    CHECK_OK(vcow_val_as_f64(&vals[1], &f));
    CHECK(f == 2.5);
    CHECK_OK(vcow_val_as_bool(&vals[2], &b));
    CHECK(b);
    CHECK_OK(vcow_val_as_bytes(&vals[3], &s));
    CHECK(s.len == 4 && memcmp(s.ptr, "host", 4) == 0);
    CHECK_OK(vcow_val_as_str(&vals[3], &str));
    CHECK(strcmp(str, "host") == 0);
    /* Every other pairing is a type error that writes nothing. */
    for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
        int64_t i2 = 42;
        double f2 = 42;
        bool b2 = true;
        const char *str2 = "untouched";
        if (k != 0)
            CHECK_RC(vcow_val_as_i64(&vals[k], &i2), VCOW_ETYPE);
        if (k != 1)
            CHECK_RC(vcow_val_as_f64(&vals[k], &f2), VCOW_ETYPE);
        if (k != 2)
            CHECK_RC(vcow_val_as_bool(&vals[k], &b2), VCOW_ETYPE);
        if (k != 3)
            CHECK_RC(vcow_val_as_str(&vals[k], &str2), VCOW_ETYPE);
        CHECK(i2 == 42 && f2 == 42 && b2 && strcmp(str2, "untouched") == 0);
    }
    CHECK(vals[4].type == VCOW_T_MAP && vals[4].u.root == NULL);
    CHECK(vcow_val_array().type == VCOW_T_ARRAY && vcow_val_tree().type == VCOW_T_TREE &&
          vcow_val_rope().type == VCOW_T_ROPE);
    /* Bytes with a NUL inside are no C string. */
    vcow_val nul = vcow_val_bytes("a\0b", 3);
    CHECK_RC(vcow_val_as_str(&nul, &str), VCOW_ETYPE);
    vcow_val empty = vcow_val_bytes(NULL, 0);
    CHECK_OK(vcow_val_as_str(&empty, &str));
    CHECK(str[0] == '\0');
    CHECK(vcow_val_str(NULL).u.bytes.len == 0);
    CHECK_RC(vcow_val_as_i64(NULL, &i), VCOW_EINVAL);
    CHECK_RC(vcow_val_as_i64(&vals[0], NULL), VCOW_EINVAL);
    CHECK_RC(vcow_val_as_str(&vals[3], NULL), VCOW_EINVAL);
    CHECK(strcmp(vcow_strerror(VCOW_ETYPE), "the value has another type") == 0);
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "accessors";
    if (strcmp(part, "accessors") == 0)
        test_accessors();
    else
        return 2;
    return 0;
}
