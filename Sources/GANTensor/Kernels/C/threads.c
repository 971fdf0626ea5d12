// The worker threads behind Parallel.forEachChunk. A training step makes hundreds of
// parallel calls of tens of microseconds each; a worker woken from sleep for each of them
// (libdispatch's concurrentPerform) often arrives after the caller has done every chunk
// itself, and the step then runs at one thread's speed. These workers spin for a while
// after each job, so the next one finds them awake, and sleep on a futex after that.
//
// One job at a time: a call made while another thread's job is running, or from inside a
// job, runs its chunks on the calling thread. Chunk c always covers the same work, so the
// results do not depend on which thread ran it.
#include "gk_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if GK_X86
#include <immintrin.h>
#define GK_PAUSE() _mm_pause()
#else
#define GK_PAUSE() ((void)0)
#endif

#ifdef __linux__
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

enum { GK_MAX_WORKERS = 63 };

// The job: its fields are written by the caller before it publishes the job's generation,
// and a worker trusts what it read only if its claim (a compare-and-swap on `claim`, which
// holds the generation in its high half) succeeds for that generation.
static _Atomic(gk_chunk_fn) job_fn;
static _Atomic(void *) job_ctx;
static atomic_long job_chunks;
static atomic_uint_least64_t claim;  // generation << 32 | next chunk
static atomic_long job_done;

// Workers wait for `epoch` to change: spinning first, then on a futex (or condition).
static atomic_int epoch;
static atomic_int sleepers;
static const long spin_ns = 200000;

static pthread_mutex_t submit = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t started = PTHREAD_ONCE_INIT;
static int worker_count;
static _Thread_local int inside_job;

#ifndef __linux__
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;
#endif

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void wait_for_epoch_change(int seen) {
#ifdef __linux__
    syscall(SYS_futex, &epoch, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
#else
    pthread_mutex_lock(&sleep_lock);
    while (atomic_load(&epoch) == seen) pthread_cond_wait(&sleep_cond, &sleep_lock);
    pthread_mutex_unlock(&sleep_lock);
#endif
}

static void wake_sleepers(void) {
#ifdef __linux__
    syscall(SYS_futex, &epoch, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    pthread_mutex_lock(&sleep_lock);
    pthread_cond_broadcast(&sleep_cond);
    pthread_mutex_unlock(&sleep_lock);
#endif
}

// Claims and runs chunks of generation `gen` until none is left or the job has moved on.
static void run_chunks(uint64_t gen) {
    for (;;) {
        uint64_t state = atomic_load_explicit(&claim, memory_order_acquire);
        if ((state >> 32) != gen) return;
        const long chunk = (long)(uint32_t)state;
        const gk_chunk_fn fn = atomic_load_explicit(&job_fn, memory_order_relaxed);
        void *const ctx = atomic_load_explicit(&job_ctx, memory_order_relaxed);
        const long chunks = atomic_load_explicit(&job_chunks, memory_order_relaxed);
        if (chunk >= chunks) return;
        if (!atomic_compare_exchange_weak_explicit(&claim, &state, state + 1, memory_order_acq_rel,
                                                   memory_order_relaxed))
            continue;
        fn(ctx, chunk);
        atomic_fetch_add_explicit(&job_done, 1, memory_order_release);
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    inside_job = 1;
    int seen = atomic_load(&epoch);
    for (;;) {
        const long deadline = now_ns() + spin_ns;
        int current = atomic_load_explicit(&epoch, memory_order_acquire);
        for (int polls = 0; current == seen; polls++) {
            GK_PAUSE();
            if ((polls & 63) == 63 && now_ns() > deadline) {
                atomic_fetch_add(&sleepers, 1);
                if (atomic_load(&epoch) == seen) wait_for_epoch_change(seen);
                atomic_fetch_sub(&sleepers, 1);
            }
            current = atomic_load_explicit(&epoch, memory_order_acquire);
        }
        seen = current;
        run_chunks(atomic_load_explicit(&claim, memory_order_acquire) >> 32);
    }
    return NULL;
}

static void start_workers(void) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int started_count = 0;
    for (int i = 0; i < worker_count; i++) {
        pthread_t thread;
        if (pthread_create(&thread, &attr, worker_main, NULL) == 0) started_count++;
    }
    pthread_attr_destroy(&attr);
    worker_count = started_count;
}

void gk_parallel_run(long threads, long chunks, gk_chunk_fn fn, void *ctx) {
    if (chunks <= 0) return;
    if (threads <= 1 || chunks == 1 || inside_job || pthread_mutex_trylock(&submit) != 0) {
        for (long c = 0; c < chunks; c++) fn(ctx, c);
        return;
    }
    if (worker_count == 0) worker_count = (int)(threads - 1 < GK_MAX_WORKERS ? threads - 1 : GK_MAX_WORKERS);
    pthread_once(&started, start_workers);
    if (worker_count == 0) {
        pthread_mutex_unlock(&submit);
        for (long c = 0; c < chunks; c++) fn(ctx, c);
        return;
    }
    atomic_store_explicit(&job_fn, fn, memory_order_relaxed);
    atomic_store_explicit(&job_ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&job_chunks, chunks, memory_order_relaxed);
    atomic_store_explicit(&job_done, 0, memory_order_relaxed);
    const uint64_t gen = ((atomic_load_explicit(&claim, memory_order_relaxed) >> 32) + 1) & 0xffffffffu;
    atomic_store_explicit(&claim, gen << 32, memory_order_release);
    atomic_fetch_add(&epoch, 1);
    if (atomic_load(&sleepers) > 0) wake_sleepers();

    inside_job = 1;
    run_chunks(gen);
    inside_job = 0;
    while (atomic_load_explicit(&job_done, memory_order_acquire) < chunks) GK_PAUSE();
    pthread_mutex_unlock(&submit);
}
