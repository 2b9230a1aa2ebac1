// Build: gcc -O2 -std=c11 -o /tmp/dnnl_conv_bench tools/bench/dnnl_conv_bench.c -ldnnl && OMP_NUM_THREADS=1 /tmp/dnnl_conv_bench
//
// oneDNN 2.6 (C API, op-descriptor style) convolution primitive benchmark on
// the auxsweep PSPNet shapes, batch 16, float32, forward / backward-data /
// backward-weights, no bias.
//
// Variants:
//   plain   - all memory descriptors fixed to NCHW / OIHW (no reorders needed
//             by a caller that keeps plain tensors).
//   blocked - format tag `any`; oneDNN chooses its preferred layouts. The
//             primitive is timed alone, and the reorders a plain-NCHW caller
//             would pay are timed separately:
//               fwd : src (nchw->blk) + dst (blk->nchw)
//               bwdd: diff_dst (nchw->blk) + diff_src (blk->nchw)
//               bwdw: src (nchw->blk) + diff_dst (nchw->blk) + diff_weights (blk->oihw)
//             The weights reorder (oihw->blk) needed by fwd / bwd-data is NOT
//             included in "+reo" (weights could be cached per step); it is
//             printed separately in the "wreo" columns (microseconds).
//
// Timing: warm-up once, then repeat until >= 0.2 s total and >= 3 runs;
// report the fastest run. GFLOP/s = 2*N*OC*OH*OW*IC*KH*KW / t for every pass.
// Usage: dnnl_conv_bench [min_seconds]   (default 0.2)
// Set OMP_NUM_THREADS=1 for single-threaded numbers.

#define _POSIX_C_SOURCE 199309L
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                            \
    do {                                                                       \
        dnnl_status_t s_ = (call);                                             \
        if (s_ != dnnl_success) {                                              \
            fprintf(stderr, "%s:%d: %s failed with status %d\n", __FILE__,     \
                    __LINE__, #call, (int)s_);                                 \
            exit(2);                                                           \
        }                                                                      \
    } while (0)

typedef struct {
    const char *name;
    int ic, oc, k, s, p, d, h, count;
} shape_t;

static const shape_t SHAPES[] = {
    {"stem 3->16 s2", 3, 16, 3, 2, 1, 1, 64, 1},
    {"layer1 16->16", 16, 16, 3, 1, 1, 1, 32, 4},
    {"layer2 16->32 s2", 16, 32, 3, 2, 1, 1, 32, 1},
    {"layer2 32->32", 32, 32, 3, 1, 1, 1, 16, 3},
    {"layer2 down 1x1 s2", 16, 32, 1, 2, 0, 1, 32, 1},
    {"layer3 32->64 s2", 32, 64, 3, 2, 1, 1, 16, 1},
    {"layer3 64->64", 64, 64, 3, 1, 1, 1, 8, 3},
    {"layer3 down 1x1 s2", 32, 64, 1, 2, 0, 1, 16, 1},
    {"layer4 64->128 d2", 64, 128, 3, 1, 2, 2, 8, 1},
    {"layer4 128->128 d2", 128, 128, 3, 1, 2, 2, 8, 3},
    {"layer4 down 1x1", 64, 128, 1, 1, 0, 1, 8, 1},
    {"ppm bin6 1x1", 128, 32, 1, 1, 0, 1, 6, 1},
    {"head 256->64", 256, 64, 3, 1, 1, 1, 8, 1},
    {"head cls 1x1", 64, 7, 1, 1, 0, 1, 8, 1},
    {"aux 64->32", 64, 32, 3, 1, 1, 1, 8, 1},
};
#define NSHAPES ((int)(sizeof(SHAPES) / sizeof(SHAPES[0])))
#define BATCH 16

enum { FWD = 0, BWDD = 1, BWDW = 2, NPASS = 3 };
static const char *PASS_NAME[NPASS] = {"fwd", "bwd-data", "bwd-weights"};

static dnnl_engine_t eng;
static dnnl_stream_t strm;
static double min_seconds = 0.2;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// ---------------------------------------------------------------- ops ------
#define MAXARGS 8
#define MAXOPS 4
typedef struct {
    dnnl_primitive_t prim;
    int nargs;
    dnnl_exec_arg_t args[MAXARGS];
} op_t;
typedef struct {
    int n;
    op_t ops[MAXOPS];
} seq_t;

static void run_seq(const seq_t *q) {
    for (int i = 0; i < q->n; i++)
        CHECK(dnnl_primitive_execute(q->ops[i].prim, strm, q->ops[i].nargs,
                                     q->ops[i].args));
    CHECK(dnnl_stream_wait(strm));
}

// Fastest time (seconds) of one run of the sequence; 0 if the sequence is empty.
static double time_seq(const seq_t *q) {
    if (q->n == 0) return 0.0;
    run_seq(q); // warm-up
    double best = 1e30, total = 0.0;
    int runs = 0;
    while (total < min_seconds || runs < 3) {
        double t0 = now();
        run_seq(q);
        double t = now() - t0;
        total += t;
        runs++;
        if (t < best) best = t;
    }
    return best;
}

// -------------------------------------------------------------- memory -----
static dnnl_memory_t mem_new(const dnnl_memory_desc_t *md) {
    dnnl_memory_t m;
    CHECK(dnnl_memory_create(&m, md, eng, DNNL_MEMORY_ALLOCATE));
    return m;
}

static void fill_random(dnnl_memory_t m, const dnnl_memory_desc_t *md) {
    void *h;
    CHECK(dnnl_memory_get_data_handle(m, &h));
    size_t n = dnnl_memory_desc_get_size(md) / sizeof(float);
    float *f = (float *)h;
    for (size_t i = 0; i < n; i++)
        f[i] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
}

static dnnl_memory_t plain_random(const dnnl_memory_desc_t *md) {
    dnnl_memory_t m = mem_new(md);
    fill_random(m, md);
    return m;
}

// Reorder primitive from -> to (created once; caller times it).
static dnnl_primitive_t make_reorder(const dnnl_memory_desc_t *from,
                                     const dnnl_memory_desc_t *to) {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t p;
    CHECK(dnnl_reorder_primitive_desc_create(&pd, from, eng, to, eng, NULL));
    CHECK(dnnl_primitive_create(&p, pd));
    CHECK(dnnl_primitive_desc_destroy(pd));
    return p;
}

static void add_op(seq_t *q, dnnl_primitive_t p, int nargs, const int *keys,
                   dnnl_memory_t *mems) {
    if (q->n >= MAXOPS || nargs > MAXARGS) {
        fprintf(stderr, "internal: op sequence overflow\n");
        exit(2);
    }
    op_t *o = &q->ops[q->n++];
    o->prim = p;
    o->nargs = nargs;
    for (int i = 0; i < nargs; i++) {
        o->args[i].arg = keys[i];
        o->args[i].memory = mems[i];
    }
}

static void add_reorder(seq_t *q, dnnl_primitive_t p, dnnl_memory_t from,
                        dnnl_memory_t to) {
    int keys[2] = {DNNL_ARG_FROM, DNNL_ARG_TO};
    dnnl_memory_t mems[2] = {from, to};
    add_op(q, p, 2, keys, mems);
}

// Memory for one conv argument in the layout the pd chose. If it differs from
// plain, a buffer in the chosen layout is made, filled from *plain via a
// reorder, and reorder primitives plain->blk (to_blk) and blk->plain (to_plain)
// are returned. Otherwise the plain buffer is used and both are NULL.
typedef struct {
    dnnl_memory_t mem;
    dnnl_primitive_t to_blk, to_plain;
    char fmt[16];
} arg_t;

static void describe_md(const dnnl_memory_desc_t *md, char *out, size_t n) {
    // compact layout description: strides order + inner blocks
    if (md->format_kind != dnnl_blocked) {
        snprintf(out, n, "kind%d", (int)md->format_kind);
        return;
    }
    const dnnl_blocking_desc_t *b = &md->format_desc.blocking;
    int pos = 0;
    pos += snprintf(out + pos, n - pos, "%s", "");
    // outer order by decreasing stride
    int used[DNNL_MAX_NDIMS] = {0};
    const char *lower = md->ndims == 4 ? "abcd" : "abcdef";
    for (int k = 0; k < md->ndims; k++) {
        int best = -1;
        for (int d = 0; d < md->ndims; d++)
            if (!used[d] && (best < 0 || b->strides[d] > b->strides[best]))
                best = d;
        used[best] = 1;
        int blocked = 0;
        for (int i = 0; i < b->inner_nblks; i++)
            if (b->inner_idxs[i] == best) blocked = 1;
        pos += snprintf(out + pos, n - pos, "%c",
                        blocked ? lower[best] - 'a' + 'A' : lower[best]);
    }
    for (int i = 0; i < b->inner_nblks; i++)
        pos += snprintf(out + pos, n - pos, "%d%c", (int)b->inner_blks[i],
                        lower[b->inner_idxs[i]]);
}

static arg_t make_arg(const_dnnl_primitive_desc_t pd, dnnl_query_t what,
                      const dnnl_memory_desc_t *plain_md, dnnl_memory_t plain) {
    arg_t a;
    memset(&a, 0, sizeof a);
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, 0);
    if (!md) {
        fprintf(stderr, "query_md(%d) returned NULL\n", (int)what);
        exit(2);
    }
    describe_md(md, a.fmt, sizeof a.fmt);
    if (dnnl_memory_desc_equal(md, plain_md)) {
        a.mem = plain;
        return a;
    }
    a.mem = mem_new(md);
    a.to_blk = make_reorder(plain_md, md);
    a.to_plain = make_reorder(md, plain_md);
    seq_t q = {0};
    add_reorder(&q, a.to_blk, plain, a.mem); // initialise (zero padding too)
    run_seq(&q);
    return a;
}

static void free_arg(arg_t *a) {
    if (a->to_blk) {
        CHECK(dnnl_primitive_destroy(a->to_blk));
        CHECK(dnnl_primitive_destroy(a->to_plain));
        CHECK(dnnl_memory_destroy(a->mem));
    }
}

// ------------------------------------------------------------- results -----
typedef struct {
    double prim[NPASS];   // primitive-only seconds
    double reo[NPASS];    // activation/grad reorders seconds (blocked only)
    double wreo[NPASS];   // weights reorder seconds (fwd, bwdd; blocked only)
    char impl[NPASS][64];
    char fmts[NPASS][64];
} result_t;

static void impl_name(const_dnnl_primitive_desc_t pd, char *out, size_t n) {
    const char *s = NULL;
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s));
    snprintf(out, n, "%s", s ? s : "?");
}

static int out_size(int in, int k, int s, int p, int d) {
    return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

static double shape_flops(const shape_t *sh) {
    int o = out_size(sh->h, sh->k, sh->s, sh->p, sh->d);
    return 2.0 * BATCH * sh->oc * (double)o * o * sh->ic * sh->k * sh->k;
}

// Benchmark one shape: blocked == 0 -> nchw/oihw, 1 -> format any.
// If do_time == 0 only the primitive descs are created (impl names).
static void bench_shape(const shape_t *sh, int blocked, dnnl_alg_kind_t alg,
                        int do_time, result_t *r) {
    memset(r, 0, sizeof *r);
    int oh = out_size(sh->h, sh->k, sh->s, sh->p, sh->d);
    int kd = sh->d * (sh->k - 1) + 1;
    dnnl_dims_t src_dims = {BATCH, sh->ic, sh->h, sh->h};
    dnnl_dims_t wei_dims = {sh->oc, sh->ic, sh->k, sh->k};
    dnnl_dims_t dst_dims = {BATCH, sh->oc, oh, oh};
    dnnl_dims_t strides = {sh->s, sh->s};
    dnnl_dims_t dilates = {sh->d - 1, sh->d - 1}; // oneDNN: 0 == no dilation
    dnnl_dims_t pad_l = {sh->p, sh->p};
    int pr = (oh - 1) * sh->s + kd - sh->h - sh->p; // exact right padding
    dnnl_dims_t pad_r = {pr, pr};

    dnnl_memory_desc_t src_p, wei_p, dst_p, src_a, wei_a, dst_a;
    CHECK(dnnl_memory_desc_init_by_tag(&src_p, 4, src_dims, dnnl_f32, dnnl_nchw));
    CHECK(dnnl_memory_desc_init_by_tag(&wei_p, 4, wei_dims, dnnl_f32, dnnl_oihw));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_p, 4, dst_dims, dnnl_f32, dnnl_nchw));
    dnnl_format_tag_t at = blocked ? dnnl_format_tag_any : dnnl_nchw;
    dnnl_format_tag_t wt = blocked ? dnnl_format_tag_any : dnnl_oihw;
    CHECK(dnnl_memory_desc_init_by_tag(&src_a, 4, src_dims, dnnl_f32, at));
    CHECK(dnnl_memory_desc_init_by_tag(&wei_a, 4, wei_dims, dnnl_f32, wt));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_a, 4, dst_dims, dnnl_f32, at));

    dnnl_convolution_desc_t fd, bdd, bwd;
    CHECK(dnnl_dilated_convolution_forward_desc_init(
            &fd, dnnl_forward_training, alg, &src_a, &wei_a, NULL, &dst_a,
            strides, dilates, pad_l, pad_r));
    CHECK(dnnl_dilated_convolution_backward_data_desc_init(
            &bdd, alg, &src_a, &wei_a, &dst_a, strides, dilates, pad_l, pad_r));
    CHECK(dnnl_dilated_convolution_backward_weights_desc_init(
            &bwd, alg, &src_a, &wei_a, NULL, &dst_a, strides, dilates, pad_l,
            pad_r));

    dnnl_primitive_desc_t pd[NPASS];
    CHECK(dnnl_primitive_desc_create(&pd[FWD], &fd, NULL, eng, NULL));
    CHECK(dnnl_primitive_desc_create(&pd[BWDD], &bdd, NULL, eng, pd[FWD]));
    CHECK(dnnl_primitive_desc_create(&pd[BWDW], &bwd, NULL, eng, pd[FWD]));
    for (int i = 0; i < NPASS; i++) impl_name(pd[i], r->impl[i], sizeof r->impl[i]);

    if (do_time) {
        // plain buffers (random)
        dnnl_memory_t src = plain_random(&src_p), wei = plain_random(&wei_p),
                      dst = plain_random(&dst_p);
        dnnl_memory_t dsrc = plain_random(&src_p), dwei = plain_random(&wei_p),
                      ddst = plain_random(&dst_p);
        dnnl_primitive_t prim[NPASS];
        for (int i = 0; i < NPASS; i++) CHECK(dnnl_primitive_create(&prim[i], pd[i]));

        // ---- forward
        {
            arg_t a_src = make_arg(pd[FWD], dnnl_query_src_md, &src_p, src);
            arg_t a_wei = make_arg(pd[FWD], dnnl_query_weights_md, &wei_p, wei);
            arg_t a_dst = make_arg(pd[FWD], dnnl_query_dst_md, &dst_p, dst);
            snprintf(r->fmts[FWD], sizeof r->fmts[FWD], "src %s wei %s dst %s",
                     a_src.fmt, a_wei.fmt, a_dst.fmt);
            seq_t q = {0};
            int keys[3] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
            dnnl_memory_t m[3] = {a_src.mem, a_wei.mem, a_dst.mem};
            add_op(&q, prim[FWD], 3, keys, m);
            r->prim[FWD] = time_seq(&q);
            seq_t rq = {0};
            if (a_src.to_blk) add_reorder(&rq, a_src.to_blk, src, a_src.mem);
            if (a_dst.to_plain) add_reorder(&rq, a_dst.to_plain, a_dst.mem, dst);
            r->reo[FWD] = time_seq(&rq);
            seq_t wq = {0};
            if (a_wei.to_blk) add_reorder(&wq, a_wei.to_blk, wei, a_wei.mem);
            r->wreo[FWD] = time_seq(&wq);
            free_arg(&a_src); free_arg(&a_wei); free_arg(&a_dst);
        }
        // ---- backward data
        {
            arg_t a_ddst = make_arg(pd[BWDD], dnnl_query_diff_dst_md, &dst_p, ddst);
            arg_t a_wei = make_arg(pd[BWDD], dnnl_query_weights_md, &wei_p, wei);
            arg_t a_dsrc = make_arg(pd[BWDD], dnnl_query_diff_src_md, &src_p, dsrc);
            snprintf(r->fmts[BWDD], sizeof r->fmts[BWDD], "ddst %s wei %s dsrc %s",
                     a_ddst.fmt, a_wei.fmt, a_dsrc.fmt);
            seq_t q = {0};
            int keys[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC};
            dnnl_memory_t m[3] = {a_ddst.mem, a_wei.mem, a_dsrc.mem};
            add_op(&q, prim[BWDD], 3, keys, m);
            r->prim[BWDD] = time_seq(&q);
            seq_t rq = {0};
            if (a_ddst.to_blk) add_reorder(&rq, a_ddst.to_blk, ddst, a_ddst.mem);
            if (a_dsrc.to_plain) add_reorder(&rq, a_dsrc.to_plain, a_dsrc.mem, dsrc);
            r->reo[BWDD] = time_seq(&rq);
            seq_t wq = {0};
            if (a_wei.to_blk) add_reorder(&wq, a_wei.to_blk, wei, a_wei.mem);
            r->wreo[BWDD] = time_seq(&wq);
            free_arg(&a_ddst); free_arg(&a_wei); free_arg(&a_dsrc);
        }
        // ---- backward weights
        {
            arg_t a_src = make_arg(pd[BWDW], dnnl_query_src_md, &src_p, src);
            arg_t a_ddst = make_arg(pd[BWDW], dnnl_query_diff_dst_md, &dst_p, ddst);
            arg_t a_dwei = make_arg(pd[BWDW], dnnl_query_diff_weights_md, &wei_p, dwei);
            snprintf(r->fmts[BWDW], sizeof r->fmts[BWDW], "src %s ddst %s dwei %s",
                     a_src.fmt, a_ddst.fmt, a_dwei.fmt);
            seq_t q = {0};
            int keys[3] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS};
            dnnl_memory_t m[3] = {a_src.mem, a_ddst.mem, a_dwei.mem};
            add_op(&q, prim[BWDW], 3, keys, m);
            r->prim[BWDW] = time_seq(&q);
            seq_t rq = {0};
            if (a_src.to_blk) add_reorder(&rq, a_src.to_blk, src, a_src.mem);
            if (a_ddst.to_blk) add_reorder(&rq, a_ddst.to_blk, ddst, a_ddst.mem);
            if (a_dwei.to_plain) add_reorder(&rq, a_dwei.to_plain, a_dwei.mem, dwei);
            r->reo[BWDW] = time_seq(&rq);
            free_arg(&a_src); free_arg(&a_ddst); free_arg(&a_dwei);
        }

        for (int i = 0; i < NPASS; i++) CHECK(dnnl_primitive_destroy(prim[i]));
        dnnl_memory_t all[6] = {src, wei, dst, dsrc, dwei, ddst};
        for (int i = 0; i < 6; i++) CHECK(dnnl_memory_destroy(all[i]));
    }
    for (int i = 0; i < NPASS; i++) CHECK(dnnl_primitive_desc_destroy(pd[i]));
}

// ------------------------------------------------------------- printing ----
static double gf(double flops, double t) { return t > 0 ? flops / t * 1e-9 : 0; }

static void print_impls(result_t *res) {
    printf("  implementations (fwd | bwd-data | bwd-weights):\n");
    for (int s = 0; s < NSHAPES; s++)
        printf("    %-19s %-24s | %-24s | %s\n", SHAPES[s].name, res[s].impl[FWD],
               res[s].impl[BWDD], res[s].impl[BWDW]);
}

static void print_fmts(result_t *res) {
    printf("  layouts chosen (oneDNN letters: a=N/O b=C/I c=H d=W, capital = blocked dim):\n");
    for (int s = 0; s < NSHAPES; s++)
        printf("    %-19s fwd[%s]  bwdd[%s]  bwdw[%s]\n", SHAPES[s].name,
               res[s].fmts[FWD], res[s].fmts[BWDD], res[s].fmts[BWDW]);
}

static void print_plain(const char *title, result_t *res) {
    printf("\n=== %s ===\n", title);
    printf("%-19s %3s %8s | %8s %8s %8s | %9s %9s %9s\n", "shape", "cnt", "MFLOP",
           "fwd", "bwd-d", "bwd-w", "fwd us", "bwd-d us", "bwd-w us");
    double tf = 0, tt[NPASS] = {0};
    for (int s = 0; s < NSHAPES; s++) {
        const shape_t *sh = &SHAPES[s];
        double f = shape_flops(sh);
        printf("%-19s %3d %8.1f | %8.1f %8.1f %8.1f | %9.1f %9.1f %9.1f\n", sh->name,
               sh->count, f * 1e-6, gf(f, res[s].prim[FWD]), gf(f, res[s].prim[BWDD]),
               gf(f, res[s].prim[BWDW]), res[s].prim[FWD] * 1e6,
               res[s].prim[BWDD] * 1e6, res[s].prim[BWDW] * 1e6);
        tf += f * sh->count;
        for (int i = 0; i < NPASS; i++) tt[i] += res[s].prim[i] * sh->count;
    }
    printf("%-19s %3s %8.1f | %8.1f %8.1f %8.1f | %9.1f %9.1f %9.1f\n", "weighted", "",
           tf * 1e-6, gf(tf, tt[FWD]), gf(tf, tt[BWDD]), gf(tf, tt[BWDW]),
           tt[FWD] * 1e6, tt[BWDD] * 1e6, tt[BWDW] * 1e6);
    printf("SUMMARY %s weighted GFLOP/s: fwd %.1f  bwd-data %.1f  bwd-weights %.1f\n",
           title, gf(tf, tt[FWD]), gf(tf, tt[BWDD]), gf(tf, tt[BWDW]));
    print_impls(res);
}

static void print_blocked(const char *title, result_t *res) {
    printf("\n=== %s ===\n", title);
    printf("GFLOP/s: prim = primitive only, +reo = primitive + activation reorders "
           "to/from NCHW; reo/wreo = reorder time in us\n");
    printf("%-19s %3s | %7s %7s %6s %5s | %7s %7s %6s %5s | %7s %7s %6s\n", "shape",
           "cnt", "fwd", "+reo", "reo", "wreo", "bwd-d", "+reo", "reo", "wreo",
           "bwd-w", "+reo", "reo");
    double tf = 0, tp[NPASS] = {0}, tr[NPASS] = {0}, tw[NPASS] = {0};
    for (int s = 0; s < NSHAPES; s++) {
        const shape_t *sh = &SHAPES[s];
        double f = shape_flops(sh);
        const result_t *r = &res[s];
        printf("%-19s %3d | %7.1f %7.1f %6.1f %5.1f | %7.1f %7.1f %6.1f %5.1f | %7.1f %7.1f %6.1f\n",
               sh->name, sh->count, gf(f, r->prim[FWD]), gf(f, r->prim[FWD] + r->reo[FWD]),
               r->reo[FWD] * 1e6, r->wreo[FWD] * 1e6, gf(f, r->prim[BWDD]),
               gf(f, r->prim[BWDD] + r->reo[BWDD]), r->reo[BWDD] * 1e6,
               r->wreo[BWDD] * 1e6, gf(f, r->prim[BWDW]),
               gf(f, r->prim[BWDW] + r->reo[BWDW]), r->reo[BWDW] * 1e6);
        tf += f * sh->count;
        for (int i = 0; i < NPASS; i++) {
            tp[i] += r->prim[i] * sh->count;
            tr[i] += r->reo[i] * sh->count;
            tw[i] += r->wreo[i] * sh->count;
        }
    }
    printf("%-19s %3s | %7.1f %7.1f %6.0f %5.0f | %7.1f %7.1f %6.0f %5.0f | %7.1f %7.1f %6.0f\n",
           "weighted", "", gf(tf, tp[FWD]), gf(tf, tp[FWD] + tr[FWD]), tr[FWD] * 1e6,
           tw[FWD] * 1e6, gf(tf, tp[BWDD]), gf(tf, tp[BWDD] + tr[BWDD]), tr[BWDD] * 1e6,
           tw[BWDD] * 1e6, gf(tf, tp[BWDW]), gf(tf, tp[BWDW] + tr[BWDW]), tr[BWDW] * 1e6);
    printf("SUMMARY %s weighted GFLOP/s primitive-only: fwd %.1f  bwd-data %.1f  bwd-weights %.1f\n",
           title, gf(tf, tp[FWD]), gf(tf, tp[BWDD]), gf(tf, tp[BWDW]));
    printf("SUMMARY %s weighted GFLOP/s +reorders:      fwd %.1f  bwd-data %.1f  bwd-weights %.1f\n",
           title, gf(tf, tp[FWD] + tr[FWD]), gf(tf, tp[BWDD] + tr[BWDD]),
           gf(tf, tp[BWDW] + tr[BWDW]));
    printf("  network time per step (us): prim %.0f / %.0f / %.0f, act reorders %.0f / %.0f / %.0f,"
           " weight reorders (not in +reo) %.0f / %.0f\n",
           tp[FWD] * 1e6, tp[BWDD] * 1e6, tp[BWDW] * 1e6, tr[FWD] * 1e6, tr[BWDD] * 1e6,
           tr[BWDW] * 1e6, tw[FWD] * 1e6, tw[BWDD] * 1e6);
    print_impls(res);
    print_fmts(res);
}

int main(int argc, char **argv) {
    if (argc > 1) min_seconds = atof(argv[1]);
    srand(1234);
    const dnnl_version_t *v = dnnl_version();
    const char *omp = getenv("OMP_NUM_THREADS");
    printf("oneDNN %d.%d.%d (hash %s), cpu_runtime %d, OMP_NUM_THREADS=%s, batch %d, f32, "
           "min %.2f s / >=3 runs, fastest run reported\n",
           v->major, v->minor, v->patch, v->hash, v->cpu_runtime, omp ? omp : "(unset)",
           BATCH, min_seconds);
    const char *isa = getenv("DNNL_MAX_CPU_ISA");
    printf("DNNL_MAX_CPU_ISA=%s, dnnl_get_effective_cpu_isa() = 0x%x\n", isa ? isa : "(unset)",
           (int)dnnl_get_effective_cpu_isa());

    CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&strm, eng, dnnl_stream_default_flags));

    static result_t res[NSHAPES], chk[NSHAPES];
    for (int b = 0; b < 2; b++) {
        // Does alg=auto pick a different implementation than direct?
        int differs = 0;
        for (int s = 0; s < NSHAPES; s++) {
            result_t rd, ra;
            bench_shape(&SHAPES[s], b, dnnl_convolution_direct, 0, &rd);
            bench_shape(&SHAPES[s], b, dnnl_convolution_auto, 0, &ra);
            for (int i = 0; i < NPASS; i++)
                if (strcmp(rd.impl[i], ra.impl[i]) != 0) {
                    differs = 1;
                    printf("[%s] auto differs on %s %s: direct=%s auto=%s\n",
                           b ? "blocked" : "plain", SHAPES[s].name, PASS_NAME[i],
                           rd.impl[i], ra.impl[i]);
                }
        }
        if (!differs)
            printf("\n[%s] dnnl_convolution_auto picks the same implementations as "
                   "dnnl_convolution_direct for every shape/pass (not timed separately)\n",
                   b ? "blocked" : "plain");

        for (int s = 0; s < NSHAPES; s++)
            bench_shape(&SHAPES[s], b, dnnl_convolution_direct, 1, &res[s]);
        if (b == 0)
            print_plain("plain NCHW/OIHW, alg=direct", res);
        else
            print_blocked("blocked (format any), alg=direct", res);

        if (differs) {
            for (int s = 0; s < NSHAPES; s++)
                bench_shape(&SHAPES[s], b, dnnl_convolution_auto, 1, &chk[s]);
            if (b == 0)
                print_plain("plain NCHW/OIHW, alg=auto", chk);
            else
                print_blocked("blocked (format any), alg=auto", chk);
        }
    }
    CHECK(dnnl_stream_destroy(strm));
    CHECK(dnnl_engine_destroy(eng));
    return 0;
}
