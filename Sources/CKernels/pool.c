#define _GNU_SOURCE
#include "ckernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

// A pool of worker threads that stay awake between parallel regions. A training step of the
// standard model runs about 150 regions of 0.1 to 5 ms back to back; waking a parked thread
// for each one (what Dispatch does) took 15-40 us in these VMs and left a core idle for 5-10%
// of the step. A
// worker here spins for about SPIN_NANOSECONDS after finishing a region before it sleeps on
// a condition variable, so an idle process costs nothing.
enum { POOL_MAX_WORKERS = 63 };
#define SPIN_NANOSECONDS 200000L

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    _Atomic long generation;  // bumped (under lock) when a job is posted
    _Atomic long pending;     // workers still running the current job
    atomic_int busy;          // a caller owns the pool
    long workers;
    polyicl_pool_task task;
    void *context;
    long count;
} worker_pool;

static worker_pool pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0};
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static long now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void *worker_main(void *argument) {
    long index = (long)argument, seen = 0;
    polyicl_flush_subnormals();
    for (;;) {
        long generation = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (generation == seen) {
            long deadline = now_nanoseconds() + SPIN_NANOSECONDS;
            for (int spin = 0; generation == seen; spin++) {
                CPU_RELAX();
                generation = atomic_load_explicit(&pool.generation, memory_order_acquire);
                if ((spin & 255) == 255 && generation == seen && now_nanoseconds() > deadline) {
                    pthread_mutex_lock(&pool.lock);
                    while ((generation = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen)
                        pthread_cond_wait(&pool.wake, &pool.lock);
                    pthread_mutex_unlock(&pool.lock);
                }
            }
        }
        seen = generation;
        if (index < pool.count) pool.task(pool.context, index);
        atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_release);
    }
    return NULL;
}

static void pool_start(void) {
    long cores = polyicl_usable_cores();
    long wanted = cores > 1 ? cores - 1 : 0;
    if (wanted > POOL_MAX_WORKERS) wanted = POOL_MAX_WORKERS;
    for (long i = 0; i < wanted; i++) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker_main, (void *)(i + 1));
        pthread_attr_destroy(&attributes);
        if (failed) break;
        pool.workers = i + 1;
    }
}

int polyicl_pool_run(long count, polyicl_pool_task task, void *context) {
    if (count < 1) return 0;
    pthread_once(&pool_once, pool_start);
    if (count - 1 > pool.workers) return -1;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&pool.busy, &expected, 1)) return -1;
    pool.task = task;
    pool.context = context;
    pool.count = count;
    atomic_store_explicit(&pool.pending, pool.workers, memory_order_relaxed);
    pthread_mutex_lock(&pool.lock);
    atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    unsigned long caller_mode = polyicl_subnormals_flush_begin();
    task(context, 0);
    polyicl_subnormals_flush_end(caller_mode);
    while (atomic_load_explicit(&pool.pending, memory_order_acquire) > 0) CPU_RELAX();
    atomic_store_explicit(&pool.busy, 0, memory_order_release);
    return 0;
}

// Cores this process may use: POLYICL_THREADS when set, else the CPUs in its affinity mask
// (taskset, Slurm's binding), lowered to a cgroup v2 CPU quota (containers, cgroup-confined
// jobs), at least 1. Sizing from the machine's online cores instead oversubscribes a pinned
// or confined process, and spinning workers then slow each other down.
long polyicl_usable_cores(void) {
    const char *asked = getenv("POLYICL_THREADS");
    if (asked && *asked) {
        char *end = NULL;
        long value = strtol(asked, &end, 10);
        if (end && *end == '\0' && value >= 1 && value <= 4096) return value;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        long allowed = CPU_COUNT(&set);
        if (allowed >= 1 && allowed < cores) cores = allowed;
    }
    FILE *file = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (file) {
        char quota[32] = "";
        long period = 0;
        if (fscanf(file, "%31s %ld", quota, &period) == 2 && strcmp(quota, "max") != 0 && period > 0) {
            long limit = (atol(quota) + period - 1) / period;
            if (limit >= 1 && limit < cores) cores = limit;
        }
        fclose(file);
    }
#endif
    return cores >= 1 ? cores : 1;
}
