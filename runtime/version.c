/* runtime/version.c - see vcow/version.h. */
#include <vcow/version.h>

int vcow_library_version_number(void)
{
    return VCOW_VERSION_NUMBER;
}

const char *vcow_library_version(void)
{
    return VCOW_VERSION_STRING;
}
