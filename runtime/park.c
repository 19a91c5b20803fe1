/*
 * runtime/park.c - see park.h. The mutex and condition variable here are
 * the test hook's own: only a thread that reached an armed point and the
 * test that armed it ever take them; no vcow call does.
 */
#include <pthread.h>

#include "park.h"

_Atomic int vcow__park_armed;
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static int parked;   /* a thread is parked (under park_lock) */
static int released; /* the test let it go (under park_lock) */

void vcow__park(int point)
{
    int expected = point;
    /* Only the first thread to get here parks: disarm as we take it. */
    if (!atomic_compare_exchange_strong(&vcow__park_armed, &expected, 0))
        return;
    pthread_mutex_lock(&park_lock);
    parked = 1;
    pthread_cond_broadcast(&park_cond);
    while (!released)
        pthread_cond_wait(&park_cond, &park_lock);
    parked = 0;
    released = 0;
    pthread_cond_broadcast(&park_cond);
    pthread_mutex_unlock(&park_lock);
}

void vcow_debug_park_at(int point)
{
    pthread_mutex_lock(&park_lock);
    released = 0;
    pthread_mutex_unlock(&park_lock);
    atomic_store(&vcow__park_armed, point);
}

bool vcow_debug_parked(void)
{
    pthread_mutex_lock(&park_lock);
    int p = parked;
    pthread_mutex_unlock(&park_lock);
    return p != 0;
}

void vcow_debug_park_release(void)
{
    atomic_store(&vcow__park_armed, 0);
    pthread_mutex_lock(&park_lock);
    if (parked) {
        released = 1;
        pthread_cond_broadcast(&park_cond);
        while (parked)
            pthread_cond_wait(&park_cond, &park_lock);
    }
    pthread_mutex_unlock(&park_lock);
}
