/*
 * tests/runtime/test_misuse.c - misuse that cannot be reported stops the
 * process loudly, naming the call; it never hangs (issue 14, item 3).
 *
 * Each case runs in a forked child with an alarm: the child must die of
 * SIGABRT with "vcow: <call>:" on stderr. Before the fix a double unpin
 * returned normally and the next pin of the head spun for ever (the alarm
 * catches that), and an unpaired read unlock died inside liburcu.
 *
 *   test_misuse double_unpin_head | double_unpin_retained | read_unlock
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"

static void double_unpin_head(void)
{
    vcow_cell *c;
    vcow_version *v;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, NULL, &c));
    CHECK_OK(vcow_cell_pin_head(c, &v));
    vcow_version_unpin(v);
    vcow_version_unpin(v); /* one too many: the head's own count */
    /* Not reached with the fix; before it, this spun for ever. */
    CHECK_OK(vcow_cell_pin_head(c, &v));
}

static void double_unpin_retained(void)
{
    struct vcow_cell_opts o = {.size = sizeof(o), .history = true};
    vcow_cell *c;
    vcow_version *v;
    CHECK_OK(vcow_cell_open(VCOW_KIND_BOX, &o, &c));
    CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(1), NULL));
    CHECK_OK(vcow_box_cell_set(c, vcow_val_i64(2), NULL));
    CHECK_OK(vcow_cell_pin_at(c, 1, &v));
    vcow_version_unpin(v);
    vcow_version_unpin(v); /* takes history's count */
    CHECK_OK(vcow_cell_pin_at(c, 1, &v));
}

static void read_unlock(void)
{
    vcow_read_lock();
    vcow_read_unlock();
    vcow_read_unlock(); /* unpaired */
}

/* Run fn in a child; it must abort with "vcow: <call>:" on stderr. */
static void expect_abort(void (*fn)(void), const char *call)
{
    int fd[2];
    CHECK(pipe(fd) == 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        alarm(20); /* a hang fails the test instead of stalling ctest */
        fn();
        _exit(0); /* misuse went unnoticed */
    }
    close(fd[1]);
    char buf[4096];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = 0;
    close(fd[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    char want[128];
    snprintf(want, sizeof(want), "vcow: %s:", call);
    printf("child: %s (stderr: %s)\n", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited",
           buf);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(strstr(buf, want) != NULL);
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "";
    if (strcmp(part, "double_unpin_head") == 0)
        expect_abort(double_unpin_head, "vcow_version_unpin");
    else if (strcmp(part, "double_unpin_retained") == 0)
        expect_abort(double_unpin_retained, "vcow_version_unpin");
    else if (strcmp(part, "read_unlock") == 0)
        expect_abort(read_unlock, "vcow_read_unlock");
    else
        return 2;
    return 0;
}
