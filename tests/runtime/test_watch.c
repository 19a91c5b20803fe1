/*
 * tests/runtime/test_watch.c - waiting for commits: vcow_cell_wait and the
 * watch fd (runtime/watch.c).
 *
 *   close    the cell's eventfd is closed by vcow_cell_close (run first in
 *            its process: no other fd is opened in between that could
 *            take the number again).
 *   now      a wait whose seq the head has already passed returns at once;
 *            NULL head_seq; NULL cell.
 *   timeout  a wait that nothing answers returns VCOW_EAGAIN, no earlier
 *            than its timeout, with the head's seq; timeout 0 only looks.
 *   estate   vcow_cell_wait inside a read section is VCOW_ESTATE.
 *   fd       the fd is not readable before a commit and is after; an ack
 *            drains it; a burst of commits writes it once; ack before the
 *            fd exists is VCOW_ESTATE; every call gives the same fd.
 *   offline  a thread in qsbr's manual mode sleeping in vcow_cell_wait
 *            does not hold up a grace period (vcow_gc_barrier returns
 *            while it sleeps); trivial on the other backends.
 *   mt       4 waiters each wait 25,000 times for "a seq past the last I
 *            saw" while 2 writers commit bursts until every waiter is
 *            done, pausing after each until all waiters have seen it: each
 *            wait returns with a newer seq, and none sleeps through its
 *            10 s timeout (what a lost wake-up would do).
 *   epoll    a watcher in an epoll loop on the fd, reading every version
 *            after the last it saw (history on, values = seqs), while 2
 *            writers commit (pausing every 64 commits until it has seen
 *            them): it sees every seq, the last being the final head, with
 *            no epoll_wait timing out.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/test.h"

#define LONG_NS ((int64_t)10 * 1000000000) /* "for ever" in a test: 10 s */

static vcow_cell *open_box(bool history)
{
    vcow_cell *c;
    struct vcow_cell_opts o = {.size = sizeof(o), .history = history};
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    return c;
}

static bool readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, 0);
    CHECK(n >= 0);
    return n == 1 && (p.revents & POLLIN);
}

static void test_close(void)
{
    vcow_cell *c = open_box(false);
    int fd;
    CHECK_OK(vcow_cell_watch_fd(c, &fd));
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) >= 0);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    CHECK_OK(vcow_cell_close(c));
    errno = 0;
    CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
    test_check_all_freed();
}

static void test_past(void)
{
    vcow_cell *c = open_box(false);
    uint64_t h = 99;
    CHECK_RC(vcow_cell_wait(NULL, 0, 0, &h), VCOW_EINVAL);
    CHECK_EQ_INT(h, 99);
    for (int i = 0; i < 3; i++)
        CHECK_OK(vcow_box_cell_add(c, 1, NULL, NULL));
    /* Past already: no timeout, or no limit at all, returns at once. */
    CHECK_OK(vcow_cell_wait(c, 0, -1, &h));
    CHECK_EQ_INT(h, 3);
    CHECK_OK(vcow_cell_wait(c, 2, 0, &h));
    CHECK_EQ_INT(h, 3);
    CHECK_OK(vcow_cell_wait(c, 2, LONG_NS, NULL));
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_timeout(void)
{
    vcow_cell *c = open_box(false);
    CHECK_OK(vcow_box_cell_add(c, 1, NULL, NULL));
    uint64_t h = 0;
    CHECK_RC(vcow_cell_wait(c, 1, 0, &h), VCOW_EAGAIN); /* only looks */
    CHECK_EQ_INT(h, 1);
    const int64_t ns = 50 * 1000 * 1000;
    double t0 = test_now();
    h = 0;
    CHECK_RC(vcow_cell_wait(c, 1, ns, &h), VCOW_EAGAIN);
    double waited = test_now() - t0;
    CHECK_EQ_INT(h, 1);
    /* At least the timeout (no upper bound: the machine may be busy). */
    CHECK(waited >= (double)ns * 1e-9);
    /* A seq far ahead: the same. */
    CHECK_RC(vcow_cell_wait(c, 1000, 1000, &h), VCOW_EAGAIN);
    CHECK_EQ_INT(h, 1);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_estate(void)
{
    vcow_cell *c = open_box(false);
    uint64_t h = 7;
    vcow_read_lock();
    CHECK_RC(vcow_cell_wait(c, 0, 0, &h), VCOW_ESTATE);
    CHECK_RC(vcow_cell_wait(c, 5, -1, &h), VCOW_ESTATE);
    vcow_read_unlock();
    CHECK_EQ_INT(h, 7);
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

static void test_fd(void)
{
    vcow_cell *c = open_box(false);
    uint64_t h;
    int fd, fd2;
    CHECK_RC(vcow_cell_watch_ack(c, &h), VCOW_ESTATE); /* no fd yet */
    CHECK_RC(vcow_cell_watch_fd(NULL, &fd), VCOW_EINVAL);
    CHECK_RC(vcow_cell_watch_fd(c, NULL), VCOW_EINVAL);
    CHECK_RC(vcow_cell_watch_ack(NULL, &h), VCOW_EINVAL);
    CHECK_OK(vcow_cell_watch_fd(c, &fd));
    CHECK_OK(vcow_cell_watch_fd(c, &fd2));
    CHECK_EQ_INT(fd, fd2);
    CHECK(!readable(fd)); /* no commit yet */
    CHECK_OK(vcow_box_cell_add(c, 1, NULL, NULL));
    CHECK(readable(fd));
    CHECK(readable(fd)); /* level-triggered: stays until acknowledged */
    CHECK_OK(vcow_cell_watch_ack(c, &h));
    CHECK_EQ_INT(h, 1);
    CHECK(!readable(fd));                   /* drained */
    CHECK_OK(vcow_cell_watch_ack(c, NULL)); /* nothing to drain: fine */
    CHECK(!readable(fd));

    /* A burst: readable, and written once (the eventfd's count is 1). */
    for (int i = 0; i < 100; i++)
        CHECK_OK(vcow_box_cell_add(c, 1, NULL, NULL));
    CHECK(readable(fd));
    uint64_t count = 0;
    CHECK(read(fd, &count, sizeof(count)) == (ssize_t)sizeof(count));
    CHECK_EQ_INT(count, 1);
    CHECK(!readable(fd));
    /* We drained it ourselves: not re-armed, so commits stay silent... */
    CHECK_OK(vcow_box_cell_add(c, 1, NULL, NULL));
    CHECK(!readable(fd));
    /* ...until the ack, which reports the head. */
    CHECK_OK(vcow_cell_watch_ack(c, &h));
    CHECK_EQ_INT(h, 102);
    CHECK(!readable(fd));
    CHECK_OK(vcow_box_cell_add(c, 1, NULL, NULL));
    CHECK(readable(fd));
    CHECK_OK(vcow_cell_watch_ack(c, &h));
    CHECK_EQ_INT(h, 103);

    /* The fd and a waiter together: the waiter times out, the fd is not
     * written by a wait. */
    CHECK_RC(vcow_cell_wait(c, 103, 1000000, &h), VCOW_EAGAIN);
    CHECK(!readable(fd));
    CHECK_OK(vcow_cell_close(c));
    test_check_all_freed();
}

/* ---- mt: no lost wake-up ---- */

enum { WAITERS = 4, WRITERS = 2 };

static vcow_cell *mt_cell;
static long mt_waits;
static atomic_int waiters_done;
static _Atomic uint64_t mt_seen[WAITERS]; /* each waiter's last seq (UINT64_MAX: done) */

/*
 * A lost wake-up shows as a wait that sleeps through its whole timeout:
 * the writers stop after each burst until every waiter has seen their
 * last commit, so no later commit can cover for a missed one. (The head
 * has moved by then, so such a wait still returns VCOW_OK: it is its
 * length that fails the test.)
 */
static void *mt_waiter(void *arg)
{
    int me = (int)(uintptr_t)arg;
    uint64_t seen;
    CHECK_RC(vcow_cell_wait(mt_cell, UINT64_MAX, 0, &seen), VCOW_EAGAIN); /* look */
    atomic_store(&mt_seen[me], seen); /* the writers may be ahead of us */
    for (long i = 0; i < mt_waits; i++) {
        uint64_t h = 0;
        double t0 = test_now();
        int rc = vcow_cell_wait(mt_cell, seen, LONG_NS, &h);
        if (rc == VCOW_EAGAIN || test_now() - t0 >= (double)LONG_NS * 1e-9) {
            fprintf(stderr,
                    "waiter %d: wait %ld after %llu slept through its timeout (%s, head %llu)\n",
                    me, i, (unsigned long long)seen, vcow_strerror(rc), (unsigned long long)h);
            abort();
        }
        CHECK_OK(rc);
        CHECK(h > seen);
        seen = h;
        atomic_store(&mt_seen[me], seen);
    }
    atomic_store(&mt_seen[me], UINT64_MAX);
    atomic_fetch_add(&waiters_done, 1);
    return NULL;
}

static void *mt_writer(void *arg)
{
    unsigned long long rng = (unsigned long long)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
    while (atomic_load(&waiters_done) < WAITERS) {
        uint64_t last = 0;
        for (unsigned long long n = 1 + test_rand(&rng) % 4; n > 0; n--) {
            CHECK_OK(vcow_box_cell_add(mt_cell, 1, NULL, &last));
            if (test_rand(&rng) % 4 == 0)
                sched_yield();
        }
        /* Quiet until every waiter has seen `last`: a waiter that missed
         * its wake-up now sleeps until its timeout (and fails). */
        for (int i = 0; i < WAITERS; i++)
            while (atomic_load(&mt_seen[i]) < last)
                sched_yield();
    }
    return NULL;
}

static void test_mt(long waits)
{
    mt_cell = open_box(false);
    mt_waits = waits / WAITERS;
    pthread_t w[WAITERS], c[WRITERS];
    for (int i = 0; i < WAITERS; i++)
        CHECK(pthread_create(&w[i], NULL, mt_waiter, (void *)(uintptr_t)i) == 0);
    for (int i = 0; i < WRITERS; i++)
        CHECK(pthread_create(&c[i], NULL, mt_writer, (void *)(uintptr_t)(i + 1)) == 0);
    for (int i = 0; i < WAITERS; i++)
        CHECK(pthread_join(w[i], NULL) == 0);
    for (int i = 0; i < WRITERS; i++)
        CHECK(pthread_join(c[i], NULL) == 0);
    struct vcow_cell_stats s;
    CHECK_OK(vcow_cell_get_stats(mt_cell, &s));
    printf("mt: %ld waits, %llu commits\n", mt_waits * WAITERS, (unsigned long long)s.commits);
    CHECK(s.commits >= (uint64_t)mt_waits);
    CHECK_OK(vcow_cell_close(mt_cell));
    test_check_all_freed();
}

/* ---- epoll: a watcher sees every commit ---- */

static vcow_cell *ep_cell;
static long ep_commits;
static int ep_stop;              /* an eventfd: the writers are done */
static _Atomic uint64_t ep_seen; /* the watcher's last seq */

/* Every 64 commits the writer waits until the watcher has seen its last
 * one: a signal lost then is covered by no later commit, and the
 * watcher's epoll_wait times out (and fails). */
static void *ep_writer(void *arg)
{
    (void)arg;
    for (long i = 0; i < ep_commits; i++) {
        uint64_t last;
        CHECK_OK(vcow_box_cell_add(ep_cell, 1, NULL, &last));
        if (i % 64 == 63)
            while (atomic_load(&ep_seen) < last)
                sched_yield();
    }
    return NULL;
}

/* The model: every commit adds one, so version s holds s. */
static void check_version(uint64_t seq)
{
    vcow_version *v;
    CHECK_OK(vcow_cell_pin_at(ep_cell, seq, &v));
    vcow_val x;
    CHECK_OK(vcow_box_get(v, &x));
    CHECK(x.type == VCOW_T_I64);
    CHECK_EQ_INT(x.u.i64, seq);
    vcow_version_unpin(v);
}

static _Atomic uint64_t ep_final; /* set before ep_stop is written */

static void *ep_watcher(void *arg)
{
    (void)arg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    int fd;
    CHECK_OK(vcow_cell_watch_fd(ep_cell, &fd));
    uint64_t seen;
    CHECK_OK(vcow_cell_watch_ack(ep_cell, &seen)); /* where we start */
    for (uint64_t s = 1; s <= seen; s++)           /* the writers may be ahead of us */
        check_version(s);
    atomic_store(&ep_seen, seen);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
    struct epoll_event sev = {.events = EPOLLIN, .data.fd = ep_stop};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep_stop, &sev) == 0);
    bool stopped = false;
    long wakes = 0, spurious = 0;
    for (;;) {
        struct epoll_event got[2];
        int n = epoll_wait(ep, got, 2, 10000);
        if (n < 0 && errno == EINTR)
            continue;
        CHECK(n >= 0);
        if (n == 0) {
            /* Nothing for 10 s: the writers are done (or stuck), and the
             * fd was not signalled for a commit we have not seen. */
            struct vcow_cell_stats st;
            CHECK_OK(vcow_cell_get_stats(ep_cell, &st));
            fprintf(
                stderr,
                "epoll: no signal; seen %llu, head %llu, final %llu, stopped %d, fd readable %d\n",
                (unsigned long long)seen, (unsigned long long)st.head_seq,
                (unsigned long long)ep_final, stopped, readable(fd));
            abort();
        }
        for (int i = 0; i < n; i++) {
            if (got[i].data.fd == ep_stop) {
                /* Stop listening to it; from now on only the cell's fd
                 * may bring the last commits. */
                CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, ep_stop, NULL) == 0);
                stopped = true;
                continue;
            }
            uint64_t h;
            CHECK_OK(vcow_cell_watch_ack(ep_cell, &h));
            wakes++;
            CHECK(h >= seen);
            if (h == seen)
                spurious++;
            for (uint64_t s = seen + 1; s <= h; s++)
                check_version(s);
            if (h > seen)
                CHECK_OK(vcow_cell_trim(ep_cell, h)); /* keep history small */
            seen = h;
            atomic_store(&ep_seen, seen);
        }
        if (stopped && seen == ep_final)
            break;
    }
    printf("epoll: %ld wake-ups (%ld spurious) for %llu commits\n", wakes, spurious,
           (unsigned long long)seen);
    close(ep);
    return (void *)(uintptr_t)seen;
}

static void test_epoll(long commits)
{
    ep_cell = open_box(true);
    ep_commits = commits / WRITERS;
    ep_stop = eventfd(0, EFD_CLOEXEC);
    CHECK(ep_stop >= 0);
    pthread_t wt, c[WRITERS];
    CHECK(pthread_create(&wt, NULL, ep_watcher, NULL) == 0);
    for (int i = 0; i < WRITERS; i++)
        CHECK(pthread_create(&c[i], NULL, ep_writer, NULL) == 0);
    for (int i = 0; i < WRITERS; i++)
        CHECK(pthread_join(c[i], NULL) == 0);
    struct vcow_cell_stats s;
    CHECK_OK(vcow_cell_get_stats(ep_cell, &s));
    CHECK_EQ_INT(s.head_seq, ep_commits * WRITERS);
    ep_final = s.head_seq;
    uint64_t one = 1;
    CHECK(write(ep_stop, &one, sizeof(one)) == (ssize_t)sizeof(one));
    void *ret;
    CHECK(pthread_join(wt, &ret) == 0);
    CHECK_EQ_INT((uintptr_t)ret, ep_final);
    close(ep_stop);
    CHECK_OK(vcow_cell_close(ep_cell));
    test_check_all_freed();
}

/* ---- offline: a sleeping waiter does not hold up grace periods ---- */

static vcow_cell *off_cell;

static void *off_waiter(void *arg)
{
    (void)arg;
    /* urcu-qsbr: a thread in manual mode stays online between read
     * sections; the wait must take it offline while it sleeps. */
    CHECK_OK(vcow_thread_manual_quiescence());
    uint64_t h;
    int rc = vcow_cell_wait(off_cell, 1, (int64_t)20 * 1000000000, &h);
    vcow_thread_offline(); /* it may exit now */
    return (void *)(intptr_t)(rc == VCOW_OK && h == 2 ? 1 : 0);
}

static void test_offline(void)
{
    off_cell = open_box(false);
    CHECK_OK(vcow_box_cell_add(off_cell, 1, NULL, NULL));
    pthread_t w;
    CHECK(pthread_create(&w, NULL, off_waiter, NULL) == 0);
    usleep(100 * 1000); /* let it fall asleep (if not, the barrier waits a little) */
    /* A grace period while it sleeps: were it online, this would wait for
     * its 20 s timeout, and the wait would return VCOW_EAGAIN. */
    CHECK_OK(vcow_gc_barrier());
    CHECK_OK(vcow_box_cell_add(off_cell, 1, NULL, NULL)); /* seq 2: wakes it */
    void *ok;
    CHECK(pthread_join(w, &ok) == 0);
    CHECK(ok == (void *)1);
    CHECK_OK(vcow_cell_close(off_cell));
    test_check_all_freed();
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "";
    if (strcmp(part, "close") == 0)
        test_close();
    else if (strcmp(part, "now") == 0)
        test_past();
    else if (strcmp(part, "timeout") == 0)
        test_timeout();
    else if (strcmp(part, "estate") == 0)
        test_estate();
    else if (strcmp(part, "fd") == 0)
        test_fd();
    else if (strcmp(part, "offline") == 0)
        test_offline();
    else if (strcmp(part, "mt") == 0)
        test_mt(argc > 2 ? atol(argv[2]) : 100000);
    else if (strcmp(part, "epoll") == 0)
        test_epoll(argc > 2 ? atol(argv[2]) : 40000);
    else
        return 2;
    printf("%s: ok\n", part);
    return 0;
}
