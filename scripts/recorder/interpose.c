/*
 * rmalloc-sim recorder: an LD_PRELOAD interposer that logs every heap call of an unmodified,
 * dynamically linked program. `rmalloc-sim record` builds this file with the system C compiler
 * on first use (cached by a hash of this source) and converts the logs to native traces.
 *
 * How it works
 * - Each wrapper calls the next definition of the function (dlsym(RTLD_NEXT)), then appends one
 *   text record to this process's log: `<seq> <kind> <ret> <size> [<old>|<align>]`, addresses in
 *   hex without 0x, sizes in decimal. Kinds: M malloc, C calloc (size = n*m), R realloc
 *   (old pointer), Y reallocarray (size = n*m, old pointer), L memalign, P posix_memalign,
 *   G aligned_alloc (these three with the alignment), V valloc, W pvalloc (alignment = page
 *   size, size as requested), F free (ret = the freed pointer, size 0). A failed call logs
 *   ret 0. Header lines start with '#'.
 * - Ordering: the sequence number is taken under one process-wide lock, so order is total per
 *   process. free() is logged BEFORE the block is released and allocations AFTER they return,
 *   so an address never appears allocated twice in the log even when threads race. realloc
 *   keeps the lock across the real call for the same reason (the old block is released inside).
 * - Storage: records go into a MAP_SHARED mapping of the log file, so they reach the page cache
 *   at once and survive exec, _exit and crashes. The file grows by ftruncate + mremap under the
 *   lock; it is reopened by its (absolute) path for that, so a program that closes all its file
 *   descriptors cannot make us truncate someone else's file. Unused space stays zero bytes: a
 *   reader stops at the first NUL.
 * - One log per process image: the file is created lazily with O_EXCL as
 *   `$RMALLOC_REC_DIR/raw.<pid>.<n>.log`, n = 0, 1, ... so an exec'd image of the same pid gets
 *   the next free n. pthread_atfork: prepare takes the lock (a consistent state to copy), the
 *   child drops the parent's mapping and starts its own log on its first call. Its header says
 *   `# forked-from <pid> <image> <seq>`: the parent's log and the parent's next sequence number
 *   at the fork, so the converter can start the child's trace with the blocks it inherited.
 * - Bootstrap: dlsym itself may call malloc/calloc. While the real functions are being resolved
 *   those calls are served from a small static arena (zeroed, never reused, so calloc is
 *   correct); free() of an arena block is ignored and realloc() copies it out. Arena blocks are
 *   the loader's business and are not logged.
 * - Re-entry (a signal handler that allocates, an allocator that calls malloc internally) is
 *   detected with a thread-local flag and passed straight through, unlogged.
 * - errno is preserved: the caller sees the errno of the real call.
 * Cost per call: one spin lock, ~40 bytes formatted, one memcpy into the mapping.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* ---- the real functions ------------------------------------------------------------------ */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_reallocarray)(void *, size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void (*real_free)(void *);
static size_t (*real_malloc_usable_size)(void *);

static volatile int resolving;
static volatile int resolved;

/* ---- bootstrap arena (used only while dlsym runs) ---------------------------------------- */

#define BOOT_ARENA_BYTES (256 * 1024)
#define BOOT_HEADER 16
static unsigned char boot_arena[BOOT_ARENA_BYTES] __attribute__((aligned(64)));
static size_t boot_used;

static int boot_owns(const void *p) {
  return (const unsigned char *)p >= boot_arena && (const unsigned char *)p < boot_arena + BOOT_ARENA_BYTES;
}

static void *boot_alloc(size_t size, size_t align) {
  if (align < BOOT_HEADER) align = BOOT_HEADER;
  if (size > BOOT_ARENA_BYTES) return NULL;
  size_t old = __atomic_load_n(&boot_used, __ATOMIC_RELAXED);
  for (;;) {
    size_t payload = (old + BOOT_HEADER + align - 1) & ~(align - 1);
    size_t end = payload + size;
    if (end > BOOT_ARENA_BYTES) return NULL;
    if (__atomic_compare_exchange_n(&boot_used, &old, end, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      memcpy(boot_arena + payload - sizeof(size_t), &size, sizeof(size_t));
      return boot_arena + payload;
    }
  }
}

static size_t boot_size(const void *p) {
  size_t n;
  memcpy(&n, (const unsigned char *)p - sizeof(size_t), sizeof(size_t));
  return n;
}

static void resolve(void) {
  if (resolved || resolving) return;
  resolving = 1;
  real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
  real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
  real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
  real_reallocarray = (void *(*)(void *, size_t, size_t))dlsym(RTLD_NEXT, "reallocarray");
  real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
  real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
  real_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
  real_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
  real_malloc_usable_size = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
  real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
  resolved = 1;
  resolving = 0;
}

/* ---- the log ----------------------------------------------------------------------------- */

#define LOG_INITIAL_BYTES ((size_t)1 << 20)
#define LOG_MAX_STEP ((size_t)64 << 20)

static volatile int lock_word;
static char *log_map;         /* NULL until the first record of this process image */
static size_t log_cap;        /* bytes mapped (= file size) */
static size_t log_off;        /* bytes written */
static unsigned long long log_seq;
static int log_disabled;      /* no RMALLOC_REC_DIR, or a failure: pass calls through */
static int log_forked;        /* this image started as a fork child */
static unsigned log_image;    /* n in raw.<pid>.<n>.log */
/* Where a fork child's heap came from: the parent's log and the parent's sequence number at the
 * fork. Records before that number are the blocks the child inherits. */
static int fork_known;
static unsigned long long fork_pid, fork_image, fork_seq;
static int pending_known;
static unsigned long long pending_pid, pending_image, pending_seq;
static char log_path[4096];
static char rec_dir[4000];    /* RMALLOC_REC_DIR, copied at load time (a program may clear its env) */

static __thread int in_hook __attribute__((tls_model("initial-exec")));

static void lock_take(void) {
  unsigned spins = 0;
  while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE)) {
    if (++spins > 64) {
      sched_yield();
      spins = 0;
    }
  }
}

static void lock_give(void) { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }

static void say(const char *msg) {
  ssize_t r = write(2, msg, strlen(msg));
  (void)r;
}

/* Small formatters: no stdio (it may allocate). Each returns the new end of `out`. */
static char *put_str(char *out, const char *s) {
  while (*s) *out++ = *s++;
  return out;
}

static char *put_dec(char *out, unsigned long long v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *out++ = tmp[--n];
  return out;
}

static char *put_hex(char *out, uintptr_t v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = digits[v & 15];
    v >>= 4;
  } while (v);
  while (n) *out++ = tmp[--n];
  return out;
}

/* Grows the file and the mapping to hold `need` bytes. Lock held. Returns 0 on success. */
static int log_grow(size_t need) {
  size_t cap = log_cap;
  while (cap < need) cap += cap < LOG_MAX_STEP ? cap : LOG_MAX_STEP;
  int fd = open(log_path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return -1;
  int r = ftruncate(fd, (off_t)cap);
  close(fd);
  if (r != 0) return -1;
  void *m = mremap(log_map, log_cap, cap, MREMAP_MAYMOVE);
  if (m == MAP_FAILED) return -1;
  log_map = (char *)m;
  log_cap = cap;
  return 0;
}

static void log_append(const char *s, size_t n) {
  if (log_off + n > log_cap && log_grow(log_off + n) != 0) {
    say("rmalloc-sim recorder: cannot grow the log file; recording stopped\n");
    log_disabled = 1;
    return;
  }
  memcpy(log_map + log_off, s, n);
  log_off += n;
}

/* Appends `# <key> <text>` with newlines, backslashes and control bytes escaped. */
static void log_header_field(const char *key, const char *text, size_t len) {
  char buf[512];
  char *p = put_str(put_str(put_str(buf, "# "), key), " ");
  for (size_t i = 0; i < len; i++) {
    if (p - buf > (long)sizeof(buf) - 8) {
      log_append(buf, (size_t)(p - buf));
      p = buf;
    }
    unsigned char c = (unsigned char)text[i];
    if (c == '\\') p = put_str(p, "\\\\");
    else if (c == '\n') p = put_str(p, "\\n");
    else if (c < 0x20 || c == 0x7f) {
      static const char digits[] = "0123456789abcdef";
      *p++ = '\\';
      *p++ = 'x';
      *p++ = digits[c >> 4];
      *p++ = digits[c & 15];
    } else *p++ = (char)c;
  }
  *p++ = '\n';
  log_append(buf, (size_t)(p - buf));
}

static void log_header_number(const char *key, unsigned long long v) {
  char buf[64];
  char *p = put_str(put_str(put_str(buf, "# "), key), " ");
  p = put_dec(p, v);
  *p++ = '\n';
  log_append(buf, (size_t)(p - buf));
}

static char cmdline_buf[65536];

static void log_write_header(unsigned gen) {
  log_append("# rmalloc-rec 1\n", 16);
  log_header_number("pid", (unsigned long long)getpid());
  log_header_number("ppid", (unsigned long long)getppid());
  log_header_number("image", gen);
  log_header_number("forked", (unsigned long long)log_forked);
  if (log_forked && fork_known) {
    char buf[96];
    char *p = put_str(buf, "# forked-from ");
    p = put_dec(p, fork_pid);
    *p++ = ' ';
    p = put_dec(p, fork_image);
    *p++ = ' ';
    p = put_dec(p, fork_seq);
    *p++ = '\n';
    log_append(buf, (size_t)(p - buf));
  }
  log_header_number("pagesize", (unsigned long long)sysconf(_SC_PAGESIZE));
  log_header_number("pointer-bytes", (unsigned long long)sizeof(void *));
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe));
  if (n > 0) log_header_field("exe", exe, (size_t)n);
  int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    size_t got = 0;
    for (;;) {
      ssize_t r = read(fd, cmdline_buf + got, sizeof(cmdline_buf) - got);
      if (r <= 0) break;
      got += (size_t)r;
      if (got == sizeof(cmdline_buf)) break;
    }
    close(fd);
    size_t start = 0;
    for (size_t i = 0; i < got; i++) {
      if (cmdline_buf[i] == '\0') {
        log_header_field("arg", cmdline_buf + start, i - start);
        start = i + 1;
      }
    }
  }
}

/* Opens this image's log. Lock held. */
static void remember_dir(void) {
  if (rec_dir[0]) return;
  const char *dir = getenv("RMALLOC_REC_DIR");
  if (dir && strlen(dir) < sizeof(rec_dir)) memcpy(rec_dir, dir, strlen(dir) + 1);
}

static void log_open(void) {
  remember_dir();
  const char *dir = rec_dir;
  if (!*dir) {
    log_disabled = 1;
    return;
  }
  unsigned long long pid = (unsigned long long)getpid();
  for (unsigned gen = 0; gen < 10000; gen++) {
    char *p = put_str(log_path, dir);
    p = put_str(p, "/raw.");
    p = put_dec(p, pid);
    *p++ = '.';
    p = put_dec(p, gen);
    p = put_str(p, ".log");
    *p = '\0';
    int fd = open(log_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      break;
    }
    if (ftruncate(fd, (off_t)LOG_INITIAL_BYTES) != 0) {
      close(fd);
      break;
    }
    void *m = mmap(NULL, LOG_INITIAL_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) break;
    log_map = (char *)m;
    log_cap = LOG_INITIAL_BYTES;
    log_off = 0;
    log_seq = 0;
    log_image = gen;
    log_write_header(gen);
    return;
  }
  say("rmalloc-sim recorder: cannot create the log file; recording disabled\n");
  log_disabled = 1;
}

/* One record: `<seq> <kind> <ret> <size>[ <extra>]`; extra is hex (old pointer) or decimal. */
static void log_record_locked(char kind, const void *ret, size_t size, int has_extra, uintptr_t extra, int extra_hex) {
  if (log_disabled) return;
  if (!log_map) {
    log_open();
    if (log_disabled) return;
  }
  char buf[96];
  char *p = put_dec(buf, log_seq);
  *p++ = ' ';
  *p++ = kind;
  *p++ = ' ';
  p = put_hex(p, (uintptr_t)ret);
  *p++ = ' ';
  p = put_dec(p, (unsigned long long)size);
  if (has_extra) {
    *p++ = ' ';
    p = extra_hex ? put_hex(p, extra) : put_dec(p, (unsigned long long)extra);
  }
  *p++ = '\n';
  log_append(buf, (size_t)(p - buf));
  log_seq++;
}

static void log_record(char kind, const void *ret, size_t size, int has_extra, uintptr_t extra, int extra_hex) {
  lock_take();
  log_record_locked(kind, ret, size, has_extra, extra, extra_hex);
  lock_give();
}

static void atfork_prepare(void) {
  lock_take();
  if (log_map) {
    pending_known = 1;
    pending_pid = (unsigned long long)getpid();
    pending_image = log_image;
    pending_seq = log_seq;
  } else {
    /* No log of our own yet: the child inherits exactly what we inherited. */
    pending_known = fork_known;
    pending_pid = fork_pid;
    pending_image = fork_image;
    pending_seq = fork_seq;
  }
}
static void atfork_parent(void) { lock_give(); }
static void atfork_child(void) {
  fork_known = pending_known;
  fork_pid = pending_pid;
  fork_image = pending_image;
  fork_seq = pending_seq;
  if (log_map) munmap(log_map, log_cap); /* the parent keeps its own mapping */
  log_map = NULL;
  log_cap = 0;
  log_off = 0;
  log_seq = 0;
  log_forked = 1;
  lock_give();
}

__attribute__((constructor)) static void recorder_init(void) {
  resolve();
  lock_take();
  remember_dir();
  lock_give();
  pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static size_t mul_saturate(size_t a, size_t b) {
  size_t r;
  if (__builtin_mul_overflow(a, b, &r)) return SIZE_MAX;
  return r;
}

/* ---- the wrappers ------------------------------------------------------------------------ */

/* Makes sure the real functions are known; false while dlsym is still running. */
static inline int ready(void) {
  if (__builtin_expect(resolved, 1)) return 1;
  resolve();
  return resolved;
}

EXPORT void *malloc(size_t size) {
  if (!ready() || !real_malloc) return boot_alloc(size, 16);
  if (in_hook) return real_malloc(size);
  in_hook = 1;
  void *p = real_malloc(size);
  int e = errno;
  log_record('M', p, size, 0, 0, 0);
  errno = e;
  in_hook = 0;
  return p;
}

EXPORT void *calloc(size_t n, size_t m) {
  if (!ready() || !real_calloc) return boot_alloc(mul_saturate(n, m), 16);
  if (in_hook) return real_calloc(n, m);
  in_hook = 1;
  void *p = real_calloc(n, m);
  int e = errno;
  log_record('C', p, mul_saturate(n, m), 0, 0, 0);
  errno = e;
  in_hook = 0;
  return p;
}

EXPORT void free(void *p) {
  if (p && boot_owns(p)) return;
  if (!ready() || !real_free) return; /* only arena blocks can exist before resolution */
  if (in_hook) {
    real_free(p);
    return;
  }
  in_hook = 1;
  int e = errno;
  log_record('F', p, 0, 0, 0, 0); /* before the real free: the address is still ours */
  errno = e;
  real_free(p);
  in_hook = 0;
}

/* realloc of an arena block: copy it into a real block (logged as a plain malloc). */
static void *boot_realloc_out(void *old, size_t size) {
  void *p = malloc(size);
  if (p) {
    size_t n = boot_size(old);
    memcpy(p, old, n < size ? n : size);
  }
  return p;
}

EXPORT void *realloc(void *old, size_t size) {
  if (!ready() || !real_realloc) {
    void *p = boot_alloc(size, 16);
    if (p && old) {
      size_t n = boot_owns(old) ? boot_size(old) : 0;
      memcpy(p, old, n < size ? n : size);
    }
    return p;
  }
  if (old && boot_owns(old)) return boot_realloc_out(old, size);
  if (in_hook) return real_realloc(old, size);
  in_hook = 1;
  lock_take(); /* held across the call: the old block is released inside it */
  void *p = real_realloc(old, size);
  int e = errno;
  log_record_locked('R', p, size, 1, (uintptr_t)old, 1);
  lock_give();
  errno = e;
  in_hook = 0;
  return p;
}

EXPORT void *reallocarray(void *old, size_t n, size_t m) {
  if (!ready() || !real_reallocarray) return realloc(old, mul_saturate(n, m));
  if (old && boot_owns(old)) return boot_realloc_out(old, mul_saturate(n, m));
  if (in_hook) return real_reallocarray(old, n, m);
  in_hook = 1;
  lock_take();
  void *p = real_reallocarray(old, n, m);
  int e = errno;
  log_record_locked('Y', p, mul_saturate(n, m), 1, (uintptr_t)old, 1);
  lock_give();
  errno = e;
  in_hook = 0;
  return p;
}

EXPORT void *memalign(size_t align, size_t size) {
  if (!ready() || !real_memalign) return boot_alloc(size, align);
  if (in_hook) return real_memalign(align, size);
  in_hook = 1;
  void *p = real_memalign(align, size);
  int e = errno;
  log_record('L', p, size, 1, align, 0);
  errno = e;
  in_hook = 0;
  return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t size) {
  if (!ready() || !real_posix_memalign) {
    void *p = boot_alloc(size, align);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
  }
  if (in_hook) return real_posix_memalign(out, align, size);
  in_hook = 1;
  int e = errno;
  int r = real_posix_memalign(out, align, size);
  log_record('P', r == 0 ? *out : NULL, size, 1, align, 0);
  errno = e; /* posix_memalign reports through its result, errno untouched */
  in_hook = 0;
  return r;
}

EXPORT void *aligned_alloc(size_t align, size_t size) {
  if (!ready() || !real_aligned_alloc) return boot_alloc(size, align);
  if (in_hook) return real_aligned_alloc(align, size);
  in_hook = 1;
  void *p = real_aligned_alloc(align, size);
  int e = errno;
  log_record('G', p, size, 1, align, 0);
  errno = e;
  in_hook = 0;
  return p;
}

EXPORT void *valloc(size_t size) {
  if (!ready() || !real_valloc) return boot_alloc(size, 4096);
  if (in_hook) return real_valloc(size);
  in_hook = 1;
  void *p = real_valloc(size);
  int e = errno;
  log_record('V', p, size, 1, (uintptr_t)sysconf(_SC_PAGESIZE), 0);
  errno = e;
  in_hook = 0;
  return p;
}

EXPORT void *pvalloc(size_t size) {
  if (!ready() || !real_pvalloc) return boot_alloc(size, 4096);
  if (in_hook) return real_pvalloc(size);
  in_hook = 1;
  void *p = real_pvalloc(size);
  int e = errno;
  log_record('W', p, size, 1, (uintptr_t)sysconf(_SC_PAGESIZE), 0);
  errno = e;
  in_hook = 0;
  return p;
}

EXPORT size_t malloc_usable_size(void *p) {
  if (p && boot_owns(p)) return boot_size(p);
  if (!ready() || !real_malloc_usable_size) return 0;
  return real_malloc_usable_size(p);
}
