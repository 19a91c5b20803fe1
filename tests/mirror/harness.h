/*
 * tests/mirror/harness.h - real etcd members for the mirror's tests and
 * benchmarks: started from Debian's etcd binary on free 127.0.0.1 ports in
 * a temporary directory, killed and restarted on demand, and always
 * stopped: each member dies with the thread that started it
 * (PR_SET_PDEATHSIG), and the directory is removed at exit, on a failed
 * CHECK (abort) included.
 */
#ifndef VCOW_TEST_MIRROR_HARNESS_H
#define VCOW_TEST_MIRROR_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HARNESS_MAX 5

struct cluster {
    int n;
    char dir[256];
    pid_t pid[HARNESS_MAX];
    int client_port[HARNESS_MAX], peer_port[HARNESS_MAX];
    char url[HARNESS_MAX][64];        /* http://127.0.0.1:<client port> */
    char endpoints[HARNESS_MAX * 64]; /* all urls, comma-separated */
};

/*
 * Start an n-member cluster and wait until it answers. Returns 0; when no
 * etcd binary is found (PATH, or $VCOW_ETCD) prints why and exits with 77
 * (ctest's SKIP_RETURN_CODE); aborts when etcd does not come up.
 */
int cluster_start(struct cluster *c, int n);
/* SIGKILL member i (it stays down). */
void cluster_kill(struct cluster *c, int i);
/* Start member i again on its data directory and wait until it answers. */
void cluster_restart(struct cluster *c, int i);
/* Stop every member and remove the directory (also done at exit). */
void cluster_stop(struct cluster *c);

/*
 * A minimal etcd client for the tests (libcurl + jansson, blocking): POST
 * a JSON body to url + api; returns the answer (json_t *, caller decrefs)
 * or NULL when the request failed (*lost = true when it may have been
 * applied). The body is given as text.
 */
struct json_t;
struct json_t *etcd_post(const char *url, const char *api, const char *body, bool *lost);

/* base64 of n bytes into a static-free malloc'd string; decode likewise. */
char *b64(const void *p, size_t n);
char *unb64(const char *s, size_t *n);

#endif
