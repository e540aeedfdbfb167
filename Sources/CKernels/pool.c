// A persistent thread pool that runs whole op graphs: every thread walks the op list and takes
// its share of each op, with a spinning barrier between ops, so a forward pass wakes the workers
// once instead of once per op. Idle workers spin briefly, then sleep on a condition variable.
#include "ck_graph.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <limits.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ volatile("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

struct ck_pool {
    int n;
    pthread_t *threads;
    int spin_us;
    // The current job.
    const ck_op *ops;
    int n_ops;
    char *scratch;
    char *scratch_alloc;
    size_t scratch_capacity;
    size_t shared_offset, local_offset, local_stride;
    atomic_uint generation;
    atomic_int pending;
    atomic_int stop;
    atomic_int sleepers;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    // The barrier.
    _Alignas(64) atomic_int barrier_count;
    _Alignas(64) atomic_uint barrier_phase;
    atomic_int barrier_sleepers;
};

/// How long a thread spins at a barrier before sleeping, in microseconds. Short: on a quiet
/// machine the others arrive within microseconds; on an oversubscribed one, sleeping lets the
/// thread we wait for run (spinning there is what makes spin-only pools collapse).
#define BARRIER_SPIN_US 40

static void wait_while_equal(atomic_uint *word, unsigned value) {
#if defined(__linux__)
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
#else
    (void)word; (void)value;
    sched_yield();
#endif
}

static void wake_all(atomic_uint *word) {
#if defined(__linux__)
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)word;
#endif
}

typedef struct { ck_pool *pool; int ith; } worker_arg;

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void ck_barrier(ck_pool *pool) {
    if (pool->n == 1) return;
    const unsigned phase = atomic_load_explicit(&pool->barrier_phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&pool->barrier_count, 1, memory_order_acq_rel) == pool->n - 1) {
        atomic_store_explicit(&pool->barrier_count, 0, memory_order_relaxed);
        atomic_fetch_add(&pool->barrier_phase, 1);
        if (atomic_load(&pool->barrier_sleepers) > 0) wake_all(&pool->barrier_phase);
        return;
    }
    uint64_t start = 0;
    for (unsigned spins = 1; atomic_load_explicit(&pool->barrier_phase, memory_order_acquire) == phase; spins++) {
        CPU_RELAX();
        if ((spins & 63) == 0) {
            const uint64_t now = now_us();
            if (start == 0) start = now;
            else if (now - start > BARRIER_SPIN_US) {
                atomic_fetch_add(&pool->barrier_sleepers, 1);
                while (atomic_load(&pool->barrier_phase) == phase) wait_while_equal(&pool->barrier_phase, phase);
                atomic_fetch_sub(&pool->barrier_sleepers, 1);
                return;
            }
        }
    }
}

static void run_share(ck_pool *pool, int ith) {
    atomic_int *counters = (atomic_int *)pool->scratch;
    ck_ctx ctx = {
        .pool = pool, .ith = ith, .nth = pool->n,
        .shared = pool->scratch + pool->shared_offset,
        .local = pool->scratch + pool->local_offset + (size_t)ith * pool->local_stride,
    };
    for (int i = 0; i < pool->n_ops; i++) {
        ctx.counter = (atomic_int *)((char *)counters + (size_t)i * 64);
        ck_op_run(&pool->ops[i], &ctx);
        ck_barrier(pool);
    }
}

static void *worker_main(void *p) {
    worker_arg arg = *(worker_arg *)p;
    free(p);
    ck_pool *pool = arg.pool;
    unsigned seen = 0;
    for (;;) {
        const uint64_t start = now_us();
        unsigned spins = 0;
        while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop)) {
            CPU_RELAX();
            if ((++spins & 255) == 0 && now_us() - start > (uint64_t)pool->spin_us) {
                pthread_mutex_lock(&pool->mutex);
                atomic_fetch_add(&pool->sleepers, 1);
                while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop)) {
                    pthread_cond_wait(&pool->cond, &pool->mutex);
                }
                atomic_fetch_sub(&pool->sleepers, 1);
                pthread_mutex_unlock(&pool->mutex);
            }
        }
        if (atomic_load(&pool->stop)) return NULL;
        seen = atomic_load(&pool->generation);
        run_share(pool, arg.ith);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
    }
}

ck_pool *ck_pool_create(int n_threads) {
    if (n_threads < 1) n_threads = 1;
    ck_pool *pool = calloc(1, sizeof(ck_pool));
    if (!pool) return NULL;
    pool->n = n_threads;
    pool->spin_us = 200;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->cond, NULL);
    pool->threads = calloc((size_t)n_threads, sizeof(pthread_t));
    for (int i = 1; i < n_threads; i++) {
        worker_arg *arg = malloc(sizeof(worker_arg));
        arg->pool = pool;
        arg->ith = i;
        if (pthread_create(&pool->threads[i], NULL, worker_main, arg) != 0) {
            free(arg);
            pool->n = i; // run with the threads we got
            break;
        }
    }
    return pool;
}

void ck_pool_destroy(ck_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->stop, 1);
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 1; i < pool->n; i++) pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->cond);
    free(pool->threads);
    free(pool->scratch_alloc);
    free(pool);
}

int ck_pool_threads(const ck_pool *pool) { return pool->n; }

void ck_pool_set_spin(ck_pool *pool, int microseconds) { pool->spin_us = microseconds < 0 ? 0 : microseconds; }

static size_t align64(size_t v) { return (v + 63) & ~(size_t)63; }

static void layout(const ck_op *ops, int n_ops, int n_threads, size_t *shared_off, size_t *local_off,
                   size_t *local_stride, size_t *total) {
    size_t shared = 0, local = 0;
    for (int i = 0; i < n_ops; i++) {
        size_t s = 0, l = 0;
        ck_op_scratch(&ops[i], &s, &l);
        if (s > shared) shared = s;
        if (l > local) local = l;
    }
    *shared_off = align64((size_t)n_ops * 64);
    *local_off = *shared_off + align64(shared);
    *local_stride = align64(local);
    *total = *local_off + *local_stride * (size_t)n_threads + 64;
}

int ck_graph_run(ck_pool *pool, const ck_op *ops, int n_ops) {
    if (n_ops <= 0) return 1;
    size_t total;
    layout(ops, n_ops, pool->n, &pool->shared_offset, &pool->local_offset, &pool->local_stride, &total);
    if (total > pool->scratch_capacity) {
        free(pool->scratch_alloc);
        const size_t capacity = total + total / 4;
        pool->scratch_alloc = malloc(capacity + 64);
        if (!pool->scratch_alloc) { pool->scratch_capacity = 0; return 0; }
        pool->scratch_capacity = capacity;
    }
    char *base = (char *)(((uintptr_t)pool->scratch_alloc + 63) & ~(uintptr_t)63);
    memset(base, 0, (size_t)n_ops * 64);
    pool->ops = ops;
    pool->n_ops = n_ops;
    pool->scratch = base;
    if (pool->n == 1) { run_share(pool, 0); return 1; }
    atomic_store(&pool->pending, pool->n - 1);
    atomic_fetch_add(&pool->generation, 1);
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->cond);
        pthread_mutex_unlock(&pool->mutex);
    }
    run_share(pool, 0);
    unsigned spins = 0;
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) > 0) {
        if (++spins < 20000) CPU_RELAX();
        else sched_yield();
    }
    return 1;
}
