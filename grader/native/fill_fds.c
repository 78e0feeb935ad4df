/*
 * Preloaded (LD_PRELOAD) by the grader into a program whose failing socket()
 * it wants to see. Its constructor runs after the dynamic loader has opened
 * every library and before main(): it takes every free descriptor below the
 * RLIMIT_NOFILE the grader set, so the program's first socket() or open()
 * fails with EMFILE ("Too many open files"). A limit alone cannot do this:
 * the loader needs the same free descriptor that socket() would get.
 *
 * It acts only under a low limit, so the launcher (prlimit), which inherits
 * LD_PRELOAD too but runs before the limit is lowered, is left alone. The
 * duplicates are close-on-exec.
 */
#include <fcntl.h>
#include <sys/resource.h>

#define MAX_LIMIT 64

__attribute__((constructor)) static void take_free_descriptors(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur > MAX_LIMIT)
        return;
    while (fcntl(2, F_DUPFD_CLOEXEC, 0) != -1)
        ;
}
