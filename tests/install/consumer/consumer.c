/* A tiny program built against the installed vcow. */
#include <stdio.h>
#include <vcow/vcow.h>

int main(void)
{
    vcow_read_lock();
    vcow_read_unlock();
    if (vcow_gc_barrier() != VCOW_OK)
        return 1;
    printf("consumer: vcow with %s and %s works\n", vcow_gc_backend(), vcow_allocator());
    return 0;
}
