/*
 * slk-enter: build a sandbox's root of its own, pivot into it, and exec.
 *
 *     slk-enter VIEW CWD -- COMMAND [ARG...]
 *
 * Run as the PID 1 of new mount (and network, PID, IPC, UTS) namespaces,
 * made by unshare(1); see grader/kit/fsview.py, which writes VIEW and says
 * what the root holds and why. VIEW is a text file, one directive a line,
 * fields separated by tabs:
 *
 *     root   FOLDER             an empty folder where the new root is assembled
 *     tmp    BYTES              the size of the private /tmp
 *     mask   HOST-FOLDER        hidden by an empty folder wherever the system's folders would show it
 *     bind   SOURCE TARGET MODE a host folder shown at TARGET, MODE ro or rw
 *     file   TARGET SOURCE      a host file shown over the system's file TARGET (read-only)
 *     env    NAME=VALUE         the environment of COMMAND (nothing else is passed)
 *
 * Every system call is checked: on any failure it says which, and exits
 * with status 125, before COMMAND runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAILED 125
#define MAX_LINES 256
#define MAX_ENV 64
#define SHM_BYTES "16777216"

static const char* const READ_ONLY[] = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", NULL};
static const char* const AS_IS[] = {"dev", "proc", "sys", NULL};

static void Die(const char* format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("slk-enter: ", stderr);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(FAILED);
}

static void Mount(const char* source, const char* target, const char* type, unsigned long flags, const char* data)
{
    if (mount(source, target, type, flags, data) != 0) {
        Die("mount %s on %s: %s", source ? source : "(none)", target, strerror(errno));
    }
}

/* A read-only remount must repeat the flags the mount already has (a user
 * namespace may not clear flags its parent set). */
static void RemountReadOnly(const char* target)
{
    struct statvfs info;
    if (statvfs(target, &info) != 0) {
        Die("statvfs %s: %s", target, strerror(errno));
    }
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
    const unsigned long kept[][2] = {{ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC},
                                     {ST_SYNCHRONOUS, MS_SYNCHRONOUS}, {ST_MANDLOCK, MS_MANDLOCK},
                                     {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
                                     {ST_RELATIME, MS_RELATIME}};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; ++i) {
        if (info.f_flag & kept[i][0]) {
            flags |= kept[i][1];
        }
    }
    Mount(NULL, target, NULL, flags, NULL);
}

static void Bind(const char* source, const char* target, int read_only)
{
    Mount(source, target, NULL, MS_BIND | MS_REC, NULL);
    if (read_only) {
        RemountReadOnly(target);
    }
}

static void Tmpfs(const char* target, const char* bytes, const char* mode)
{
    char data[64];
    snprintf(data, sizeof data, "mode=%s,size=%s", mode, bytes);
    Mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, data);
}

static void Join(char* out, size_t size, const char* root, const char* path)
{
    if ((size_t)snprintf(out, size, "%s/%s", root, path[0] == '/' ? path + 1 : path) >= size) {
        Die("path too long: %s", path);
    }
}

/* root/path, its missing folders made with mode (existing ones keep theirs). */
static void MakeDirs(const char* root, const char* path, mode_t mode, char* out, size_t size)
{
    Join(out, size, root, path);
    for (size_t i = strlen(root) + 1;; ++i) {
        const char end = out[i];
        if (end != '/' && end != '\0') {
            continue;
        }
        out[i] = '\0';
        if (mkdir(out, mode) == 0) {
            if (chmod(out, mode) != 0) { /* whatever the umask took away */
                Die("chmod %s: %s", out, strerror(errno));
            }
        } else if (errno != EEXIST) {
            Die("mkdir %s: %s", out, strerror(errno));
        }
        out[i] = end;
        if (end == '\0') {
            return;
        }
    }
}

static void System(const char* root)
{
    char source[PATH_MAX], target[PATH_MAX], link[PATH_MAX];
    for (int as_is = 0; as_is < 2; ++as_is) {
        for (const char* const* name = as_is ? AS_IS : READ_ONLY; *name != NULL; ++name) {
            snprintf(source, sizeof source, "/%s", *name);
            Join(target, sizeof target, root, *name);
            struct stat info;
            if (lstat(source, &info) != 0) {
                continue;
            }
            if (S_ISLNK(info.st_mode)) { /* merged /usr: /bin -> usr/bin */
                const ssize_t length = readlink(source, link, sizeof link - 1);
                if (length < 0) {
                    Die("readlink %s: %s", source, strerror(errno));
                }
                link[length] = '\0';
                if (symlink(link, target) != 0) {
                    Die("symlink %s: %s", target, strerror(errno));
                }
            } else if (S_ISDIR(info.st_mode)) {
                if (mkdir(target, 0755) != 0) {
                    Die("mkdir %s: %s", target, strerror(errno));
                }
                Bind(source, target, !as_is);
            }
        }
    }
}

static void Mask(const char* root, const char* folder)
{
    char real[PATH_MAX], shown[PATH_MAX];
    if (realpath(folder, real) == NULL) {
        return; /* nothing there to show */
    }
    Join(shown, sizeof shown, root, real);
    struct stat info;
    if (lstat(shown, &info) == 0 && S_ISDIR(info.st_mode)) {
        Tmpfs(shown, "4096", "555");
        RemountReadOnly(shown);
    }
}

static void PivotRoot(const char* root)
{
    if (chdir(root) != 0) {
        Die("chdir %s: %s", root, strerror(errno));
    }
    /* pivot_root(".", "."): the old root is stacked on the new one, then detached. */
    if (syscall(SYS_pivot_root, ".", ".") != 0) {
        Die("pivot_root: %s", strerror(errno));
    }
    if (umount2(".", MNT_DETACH) != 0) {
        Die("umount the old root: %s", strerror(errno));
    }
    if (chdir("/") != 0) {
        Die("chdir /: %s", strerror(errno));
    }
}

static int Split(char* line, char** fields, int most)
{
    int count = 0;
    for (char* field = strtok(line, "\t\n"); field != NULL && count < most; field = strtok(NULL, "\t\n")) {
        fields[count++] = field;
    }
    return count;
}

int main(int argc, char** argv)
{
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fputs("usage: slk-enter VIEW CWD -- COMMAND [ARG...]\n", stderr);
        return 2;
    }
    FILE* view = fopen(argv[1], "r");
    if (view == NULL) {
        Die("%s: %s", argv[1], strerror(errno));
    }
    static char lines[MAX_LINES][2 * PATH_MAX + 32];
    char* fields[MAX_LINES][4];
    int counts[MAX_LINES];
    int count = 0;
    while (count < MAX_LINES && fgets(lines[count], sizeof lines[count], view) != NULL) {
        counts[count] = Split(lines[count], fields[count], 4);
        if (counts[count] > 0) {
            ++count;
        }
    }
    fclose(view);
    const char* root = NULL;
    const char* tmp_bytes = "67108864";
    char* environment[MAX_ENV + 1];
    int variables = 0;
    for (int i = 0; i < count; ++i) {
        if (strcmp(fields[i][0], "root") == 0 && counts[i] == 2) {
            root = fields[i][1];
        } else if (strcmp(fields[i][0], "tmp") == 0 && counts[i] == 2) {
            tmp_bytes = fields[i][1];
        } else if (strcmp(fields[i][0], "env") == 0 && counts[i] == 2 && variables < MAX_ENV) {
            environment[variables++] = fields[i][1];
        }
    }
    environment[variables] = NULL;
    if (root == NULL) {
        Die("%s names no root folder", argv[1]);
    }

    char path[PATH_MAX];
    Mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    if (mkdir(root, 0755) != 0 && errno != EEXIST) {
        Die("mkdir %s: %s", root, strerror(errno));
    }
    Tmpfs(root, "1048576", "755");
    System(root);
    for (int i = 0; i < count; ++i) {
        if (strcmp(fields[i][0], "mask") == 0 && counts[i] == 2) {
            Mask(root, fields[i][1]);
        }
    }
    Join(path, sizeof path, root, "dev/shm");
    struct stat info;
    if (stat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
        Tmpfs(path, SHM_BYTES, "1777");
    }
    MakeDirs(root, "/tmp", 01777, path, sizeof path);
    Tmpfs(path, tmp_bytes, "1777");
    char private_folder[PATH_MAX];
    MakeDirs(root, "/.slk", 0755, private_folder, sizeof private_folder);
    for (int i = 0; i < count; ++i) {
        if (strcmp(fields[i][0], "bind") == 0 && counts[i] == 4) {
            MakeDirs(root, fields[i][2], 0755, path, sizeof path);
            Bind(fields[i][1], path, strcmp(fields[i][3], "rw") != 0);
        } else if (strcmp(fields[i][0], "file") == 0 && counts[i] == 3) {
            Join(path, sizeof path, root, fields[i][1]);
            if (access(path, F_OK) == 0) {
                Bind(fields[i][2], path, 1);
            }
        }
    }
    if (chmod(private_folder, 0) != 0) {
        Die("chmod %s: %s", private_folder, strerror(errno));
    }
    RemountReadOnly(root);
    PivotRoot(root);
    if (chdir(argv[2]) != 0) {
        Die("chdir %s: %s", argv[2], strerror(errno));
    }
    execvpe(argv[4], argv + 4, environment);
    Die("%s: %s", argv[4], strerror(errno));
}
