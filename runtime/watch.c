/*
 * runtime/watch.c - waiting for a cell's next commit: vcow_cell_wait (a
 * futex) and a pollable eventfd per cell (vcow_cell_watch_fd / _ack).
 *
 * The rule: a commit with no one waiting pays no system call. After its
 * CAS of the head a commit loads one word of the cell, watch (the number
 * of threads in vcow_cell_wait, and WATCH_FD: "the eventfd is armed"),
 * which sits on the head's cache line that the CAS has just written; only
 * when it is not zero does it call vcow__watch_notify (runtime/txn.c).
 *
 *  (a) Waiting. A waiter adds itself to watch (seq_cst), reads the
 *      generation word gen (acquire), then reads the head (seq_cst); if
 *      the head's seq is past after_seq it is done, else it sleeps with
 *      FUTEX_WAIT on gen, which the kernel enters only if gen still holds
 *      the value read. A committer that sees waiters increments gen
 *      (release) and FUTEX_WAKEs every sleeper on it; each looks at the
 *      head again. This is the waiter count of Drepper's "Futexes Are
 *      Tricky" (its mutex3), with the head in place of the lock word.
 *  (b) No lost wake-up. Two store-load pairs, all four seq_cst: the waiter
 *      stores (its add to watch) then loads (the head); the committer
 *      stores (the CAS of the head) then loads (watch). In the single
 *      order S of seq_cst operations one of the two stores comes first, so
 *      at least one side sees the other: either the waiter's head load
 *      sees the commit (it does not sleep), or the committer's load sees
 *      the waiter (it wakes). In the second case the waiter's load of gen
 *      came before its head load, which came before the CAS in S, so it
 *      read gen from before the committer's increment; FUTEX_WAIT then
 *      either finds gen changed and returns at once, or sleeps and is
 *      queued before the FUTEX_WAKE that follows the increment (the
 *      kernel checks the value and queues under one lock). And if the
 *      waiter's gen load did read an increment, acquire makes that
 *      committer's CAS happen-before the waiter's head load, which then
 *      sees the commit and does not sleep.
 *  (c) The eventfd. WATCH_FD means "the next commit writes the eventfd".
 *      vcow_cell_watch_fd sets it when it creates the fd; the first
 *      committer that finds it set clears it (an RMW: one committer wins)
 *      and writes 1 to the fd; later commits see it clear and pay
 *      nothing, so a burst of commits costs one write. vcow_cell_watch_ack
 *      drains the fd (one read of an EFD_NONBLOCK eventfd takes its whole
 *      count), sets WATCH_FD again (seq_cst) and then reads the head
 *      (seq_cst). Same two pairs as (b), with the ack in the waiter's
 *      place: either the ack's head load sees the commit (the caller reads
 *      it now), or the committer sees WATCH_FD and one committer writes
 *      the fd, after the drain (its acq_rel RMW reads the ack's set or a
 *      later value). A commit between the drain and the set may make the
 *      fd readable although the ack already returned its seq: a spurious
 *      wake-up, never a lost one; the caller compares seqs. This is
 *      libuv's uv_async_send (a pending flag CAS 0 -> 1, then one write).
 *  (d) The fd is published by CAS into the cell, so two threads that race
 *      to create it agree on one (the loser closes its own). Every call of
 *      vcow_cell_watch_fd sets WATCH_FD after the fd is in the cell, so a
 *      committer that sees the bit (its seq_cst load is an acquire; later
 *      RMWs on watch continue the set's release sequence) sees the fd,
 *      and a caller that found the fd published by a racer has it armed
 *      before it returns. An extra set can only add a spurious write.
 *  (e) Progress. vcow_cell_wait blocks by design; under urcu-qsbr it goes
 *      offline around the sleep (vcow/gc.h). A committer that sees
 *      someone waiting makes one FUTEX_WAKE or one eventfd write, neither
 *      of which blocks. A committer preempted between its CAS and its load
 *      of watch delays the wake-up until it runs again (or a later commit
 *      wakes): the commit is visible at once to anyone who reads the head.
 *  (f) gen is 32 bits: a waiter that reads gen, is preempted for exactly
 *      2^32 commits, then sleeps, would sleep until the next commit or its
 *      timeout. We accept that.
 *  (g) vcow_cell_close closes the fd; nothing may wait on or watch a cell
 *      during or after its close (vcow_cell_close's contract).
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cell.h"
#include "base/yield.h"
#include <vcow/error.h>

_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t) &&
                   _Alignof(_Atomic uint32_t) == _Alignof(uint32_t),
               "the futex word is a plain 32-bit word");

/* The head's seq now, loaded with the order the arguments above need. */
static uint64_t head_seq(struct vcow_cell *c)
{
    vcow_read_lock();
    /* seq_cst: the load of the waiter's (and the ack's) store-load pair,
     * (b) and (c); also an acquire, so the version is readable. */
    struct vcow_version *v = atomic_load_explicit(&c->head, memory_order_seq_cst);
    uint64_t seq = v->seq;
    vcow_read_unlock();
    return seq;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleep on gen while it holds g, at most left_ns (< 0: no limit). Any
 * return (woken, gen already moved, timeout, signal) sends the caller to
 * look at the head again. */
static void futex_sleep(struct vcow_cell *c, uint32_t g, int64_t left_ns)
{
    struct timespec ts, *tp = NULL;
    if (left_ns >= 0) {
        ts.tv_sec = (time_t)(left_ns / 1000000000);
        ts.tv_nsec = (long)(left_ns % 1000000000);
        tp = &ts;
    }
    vcow_thread_offline(); /* qsbr manual mode: never sleep online */
    syscall(SYS_futex, (uint32_t *)(void *)&c->gen, FUTEX_WAIT_PRIVATE, g, tp, NULL, 0);
    vcow_thread_online();
}

int vcow_cell_wait(vcow_cell *c, uint64_t after_seq, int64_t timeout_ns, uint64_t *head_seq_out)
{
    if (c == NULL)
        return VCOW_EINVAL;
    if (vcow_in_read_section())
        return VCOW_ESTATE; /* sleeping here would stall grace periods */
    /* Already past, or only asked to look: no need to register. */
    uint64_t seq = head_seq(c);
    int rc = VCOW_OK;
    if (seq <= after_seq && timeout_ns != 0) {
        int64_t now = mono_ns();
        /* No deadline (-1) when it would overflow: as good as forever. */
        int64_t deadline = timeout_ns < 0 || timeout_ns > INT64_MAX - now ? -1 : now + timeout_ns;
        /* seq_cst: the store of the waiter's store-load pair (b). */
        atomic_fetch_add_explicit(&c->watch, 1, memory_order_seq_cst);
        for (;;) {
            /* acquire: an increment read here makes its committer's CAS
             * visible to the head load below (b). */
            uint32_t g = atomic_load_explicit(&c->gen, memory_order_acquire);
            VCOW_YIELD_POINT();
            seq = head_seq(c);
            if (seq > after_seq)
                break;
            int64_t left = -1;
            if (deadline >= 0) {
                left = deadline - mono_ns();
                if (left <= 0)
                    break; /* CLOCK_MONOTONIC says the timeout has passed */
            }
            futex_sleep(c, g, left);
        }
        /* relaxed: leaving needs no order; a committer that still counts
         * us makes one needless wake. */
        atomic_fetch_sub_explicit(&c->watch, 1, memory_order_relaxed);
    }
    if (seq <= after_seq)
        rc = VCOW_EAGAIN;
    if (head_seq_out != NULL)
        *head_seq_out = seq;
    return rc;
}

void vcow__watch_notify(struct vcow_cell *c, uint32_t w)
{
    if (w & VCOW_WATCH_FD) {
        /* An RMW, so one committer alone wins the bit. acquire: our
         * write below comes after the drain of the ack that set it (c). */
        uint32_t old =
            atomic_fetch_and_explicit(&c->watch, ~(uint32_t)VCOW_WATCH_FD, memory_order_acquire);
        if (old & VCOW_WATCH_FD) {
            /* relaxed: stored before the bit was first set (d), and our
             * loads of watch were acquires. */
            int fd = atomic_load_explicit(&c->watch_fd, memory_order_relaxed);
            uint64_t one = 1;
            /* Cannot block (EFD_NONBLOCK) and cannot fail short of the
             * count reaching 2^64 - 1. */
            ssize_t n = write(fd, &one, sizeof(one));
            (void)n;
        }
    }
    if (w & VCOW_WATCH_WAITERS) {
        /* release: a waiter whose acquire load reads this increment sees
         * our CAS of the head (b). */
        atomic_fetch_add_explicit(&c->gen, 1, memory_order_release);
        syscall(SYS_futex, (uint32_t *)(void *)&c->gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    }
}

int vcow_cell_watch_fd(vcow_cell *c, int *fd_out)
{
    if (c == NULL || fd_out == NULL)
        return VCOW_EINVAL;
    /* relaxed: an fd is a number, and WATCH_FD's set below orders its
     * publication for committers (d). */
    int fd = atomic_load_explicit(&c->watch_fd, memory_order_relaxed);
    if (fd < 0) {
        int mine = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (mine < 0)
            return errno == ENOMEM ? VCOW_ENOMEM : VCOW_EDEPS; /* EMFILE, ENFILE, ... */
        int expected = -1;
        /* relaxed: the set of WATCH_FD below (seq_cst, after this in our
         * thread) is what publishes the fd to committers (d). */
        if (atomic_compare_exchange_strong_explicit(&c->watch_fd, &expected, mine,
                                                    memory_order_relaxed, memory_order_relaxed)) {
            fd = mine;
        } else {
            close(mine);
            fd = expected;
        }
    }
    /* Every call arms, whoever created the fd: a racer that found the fd
     * published but not yet armed would otherwise miss a commit. An extra
     * set adds at most a spurious write (d). seq_cst: the store of a
     * store-load pair like the ack's (c); the caller reads the head after
     * this call to know where it starts. */
    atomic_fetch_or_explicit(&c->watch, VCOW_WATCH_FD, memory_order_seq_cst);
    *fd_out = fd;
    return VCOW_OK;
}

int vcow_cell_watch_ack(vcow_cell *c, uint64_t *head_seq_out)
{
    if (c == NULL)
        return VCOW_EINVAL;
    /* relaxed: the caller got the fd from vcow_cell_watch_fd, which
     * ordered its publication; here it only tells "none yet". */
    int fd = atomic_load_explicit(&c->watch_fd, memory_order_relaxed);
    if (fd < 0)
        return VCOW_ESTATE; /* no vcow_cell_watch_fd yet */
    uint64_t count;
    /* Takes the whole count, or fails with EAGAIN when there is none. */
    ssize_t n = read(fd, &count, sizeof(count));
    (void)n;
    VCOW_YIELD_POINT();
    /* seq_cst: the store of the ack's store-load pair (c). */
    atomic_fetch_or_explicit(&c->watch, VCOW_WATCH_FD, memory_order_seq_cst);
    uint64_t seq = head_seq(c);
    if (head_seq_out != NULL)
        *head_seq_out = seq;
    return VCOW_OK;
}

void vcow__watch_close(struct vcow_cell *c)
{
    /* relaxed: close's contract: nobody else uses the cell. */
    int fd = atomic_exchange_explicit(&c->watch_fd, -1, memory_order_relaxed);
    if (fd >= 0)
        close(fd);
}
