// Distill's flat C ABI over libtorch.
//
// Conventions (every entry point follows them):
// - Entry points return an int32_t status (DT_OK = 0); results come back through out-parameters, which
//   are set to NULL on failure. The message of the last failure on the calling thread is dt_last_error().
// - A dt_tensor* owns one reference to an at::Tensor; dt_tensor_free drops it. NULL stands for an
//   undefined tensor wherever a tensor is optional (a bias, a gradient that does not exist yet).
// - Devices are one int32_t: -1 is the CPU, n >= 0 is cuda:n.
// - Scalars are doubles; dtypes are the DT_* values below, never libtorch's own enumeration.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DT_API __attribute__((visibility("default")))

// Bumped whenever a signature changes; the binding refuses a shim of another version.
#define DT_ABI_VERSION 1

typedef struct dt_tensor dt_tensor;
typedef struct dt_generator dt_generator;

enum dt_status
{
    DT_OK = 0,
    DT_ERROR = 1,
    DT_OUT_OF_MEMORY = 2,
    DT_INVALID_ARGUMENT = 3,
    DT_NOT_IMPLEMENTED = 4,
};

enum dt_dtype
{
    DT_F32 = 0,
    DT_F16 = 1,
    DT_BF16 = 2,
    DT_F64 = 3,
    DT_I64 = 4,
    DT_I32 = 5,
    DT_I16 = 6,
    DT_I8 = 7,
    DT_U8 = 8,
    DT_BOOL = 9,
};

#define DT_DEVICE_CPU (-1)

// ---- runtime ----------------------------------------------------------------------------------------
DT_API const char* dt_last_error(void);
DT_API int32_t dt_abi_version(void);
DT_API const char* dt_torch_version(void);
DT_API int32_t dt_build_info(const char** out);
DT_API int32_t dt_set_num_threads(int32_t n);
DT_API int32_t dt_get_num_threads(int32_t* out);
DT_API int32_t dt_cuda_device_count(int32_t* out);
DT_API int32_t dt_cuda_synchronize(int32_t device);
DT_API int32_t dt_cuda_memory(int32_t device, int64_t* allocated, int64_t* reserved, int64_t* peak_allocated);
DT_API int32_t dt_manual_seed(uint64_t seed);
DT_API int64_t dt_live_tensor_count(void);
DT_API int32_t dt_set_grad_enabled(int32_t enabled, int32_t* previous);
DT_API int32_t dt_is_grad_enabled(int32_t* out);
// Enters an autocast region for the device type (0 cpu, 1 cuda) with the given dtype; exit restores the
// state returned in *token and clears the cast cache when the outermost region closes.
DT_API int32_t dt_autocast_enter(int32_t device_type, int32_t dtype, int64_t* token);
DT_API int32_t dt_autocast_exit(int64_t token);

// ---- generators ---------------------------------------------------------------------------------------
DT_API int32_t dt_generator_new(uint64_t seed, int32_t device, dt_generator** out);
DT_API void dt_generator_free(dt_generator* g);
// The state as a uint8 tensor (NULL generator: the device's default generator).
DT_API int32_t dt_generator_get_state(dt_generator* g, int32_t device, dt_tensor** out);
DT_API int32_t dt_generator_set_state(dt_generator* g, int32_t device, const dt_tensor* state);

// ---- tensors: lifetime, queries, host data -------------------------------------------------------------
DT_API void dt_tensor_free(dt_tensor* t);
DT_API int32_t dt_tensor_info(const dt_tensor* t, int32_t* dtype, int32_t* device, int32_t* rank, int32_t* requires_grad);
DT_API int32_t dt_tensor_shape(const dt_tensor* t, int64_t* shape, int32_t capacity);
DT_API int32_t dt_tensor_is_leaf(const dt_tensor* t, int32_t* out);
DT_API int32_t dt_tensor_is_contiguous(const dt_tensor* t, int32_t* out);
DT_API int32_t dt_tensor_same_storage(const dt_tensor* a, const dt_tensor* b, int32_t* out);
DT_API int32_t dt_from_data(const void* data, const int64_t* shape, int32_t rank, int32_t dtype, int32_t device, dt_tensor** out);
DT_API int32_t dt_copy_to_host(const dt_tensor* t, void* dst, int64_t nbytes);
DT_API int32_t dt_item(const dt_tensor* t, double* out);
DT_API int32_t dt_alias(const dt_tensor* t, dt_tensor** out);

// ---- creation -----------------------------------------------------------------------------------------
DT_API int32_t dt_full(const int64_t* shape, int32_t rank, double value, int32_t dtype, int32_t device, dt_tensor** out);
DT_API int32_t dt_empty(const int64_t* shape, int32_t rank, int32_t dtype, int32_t device, dt_tensor** out);
DT_API int32_t dt_arange(double start, double end, double step, int32_t dtype, int32_t device, dt_tensor** out);
// kind: 0 normal(a = mean, b = std), 1 uniform [a, b), 2 integers in [a, b)
DT_API int32_t dt_random(int32_t kind, const int64_t* shape, int32_t rank, double a, double b, int32_t dtype, int32_t device, dt_generator* g, dt_tensor** out);
DT_API int32_t dt_bernoulli(const dt_tensor* probs, dt_generator* g, dt_tensor** out);
DT_API int32_t dt_multinomial(const dt_tensor* probs, int64_t samples, int32_t replacement, dt_generator* g, dt_tensor** out);

// ---- conversion and autograd ---------------------------------------------------------------------------
DT_API int32_t dt_to(const dt_tensor* t, int32_t dtype, int32_t device, int32_t copy, dt_tensor** out);
DT_API int32_t dt_contiguous(const dt_tensor* t, dt_tensor** out);
DT_API int32_t dt_clone(const dt_tensor* t, dt_tensor** out);
DT_API int32_t dt_detach(const dt_tensor* t, dt_tensor** out);
DT_API int32_t dt_set_requires_grad(const dt_tensor* t, int32_t requires_grad);
DT_API int32_t dt_grad(const dt_tensor* t, dt_tensor** out);
DT_API int32_t dt_set_grad(const dt_tensor* t, const dt_tensor* grad);
DT_API int32_t dt_backward(const dt_tensor* t, const dt_tensor* grad, int32_t retain_graph);
DT_API int32_t dt_zero_grad(const dt_tensor* const* params, int32_t n);
// Replaces t's data (and so its dtype and device) in place, keeping its identity and autograd flags.
DT_API int32_t dt_set_data(const dt_tensor* t, const dt_tensor* data);

// ---- elementwise ----------------------------------------------------------------------------------------
enum dt_unary_op
{
    DT_NEG = 0, DT_EXP, DT_LOG, DT_SQRT, DT_RSQRT, DT_ABS, DT_TANH, DT_SIGMOID, DT_RELU, DT_SILU,
    DT_GELU, DT_GELU_TANH, DT_SIN, DT_COS, DT_SQUARE, DT_RECIPROCAL, DT_LOGICAL_NOT, DT_ISNAN, DT_ISFINITE,
    DT_SIGN, DT_FLOOR, DT_CEIL, DT_LOG1P, DT_EXPM1, DT_ROUND, DT_UNARY_OP_COUNT
};
enum dt_binary_op
{
    DT_ADD = 0, DT_SUB, DT_MUL, DT_DIV, DT_POW, DT_MAXIMUM, DT_MINIMUM, DT_EQ, DT_NE, DT_LT, DT_LE, DT_GT,
    DT_GE, DT_LOGICAL_AND, DT_LOGICAL_OR, DT_REMAINDER, DT_RSUB, DT_RDIV, DT_BINARY_OP_COUNT
};
DT_API int32_t dt_unary(int32_t op, const dt_tensor* a, dt_tensor** out);
DT_API int32_t dt_binary(int32_t op, const dt_tensor* a, const dt_tensor* b, dt_tensor** out);
DT_API int32_t dt_binary_scalar(int32_t op, const dt_tensor* a, double b, dt_tensor** out);
// a + alpha * b
DT_API int32_t dt_add_scaled(const dt_tensor* a, const dt_tensor* b, double alpha, dt_tensor** out);
// In place on a (DT_ADD .. DT_DIV, DT_MAXIMUM, DT_MINIMUM); b may be NULL to use the scalar.
DT_API int32_t dt_binary_(int32_t op, const dt_tensor* a, const dt_tensor* b, double scalar);
DT_API int32_t dt_copy_(const dt_tensor* dst, const dt_tensor* src);
DT_API int32_t dt_fill_(const dt_tensor* t, double value);
DT_API int32_t dt_clamp(const dt_tensor* a, double min, double max, int32_t has_min, int32_t has_max, dt_tensor** out);
DT_API int32_t dt_where(const dt_tensor* cond, const dt_tensor* a, const dt_tensor* b, dt_tensor** out);
DT_API int32_t dt_masked_fill(const dt_tensor* a, const dt_tensor* mask, double value, dt_tensor** out);
DT_API int32_t dt_lerp(const dt_tensor* a, const dt_tensor* b, double weight, dt_tensor** out);

// ---- linear algebra ---------------------------------------------------------------------------------------
DT_API int32_t dt_matmul(const dt_tensor* a, const dt_tensor* b, dt_tensor** out);
DT_API int32_t dt_bmm(const dt_tensor* a, const dt_tensor* b, dt_tensor** out);
DT_API int32_t dt_linear(const dt_tensor* x, const dt_tensor* weight, const dt_tensor* bias, dt_tensor** out);
DT_API int32_t dt_addmm(const dt_tensor* bias, const dt_tensor* a, const dt_tensor* b, dt_tensor** out);
DT_API int32_t dt_outer(const dt_tensor* a, const dt_tensor* b, dt_tensor** out);

// ---- reductions and selection -----------------------------------------------------------------------------
enum dt_reduce_op { DT_SUM = 0, DT_MEAN, DT_AMAX, DT_AMIN, DT_LOGSUMEXP, DT_PROD, DT_NORM2, DT_VAR, DT_STD, DT_ANY, DT_ALL, DT_REDUCE_OP_COUNT };
// ndims == 0 reduces over every dimension. dtype < 0 keeps the input's dtype (SUM, MEAN, PROD only).
DT_API int32_t dt_reduce(int32_t op, const dt_tensor* a, const int64_t* dims, int32_t ndims, int32_t keepdim, int32_t dtype, dt_tensor** out);
// kind: 0 max, 1 min, 2 median, 3 kthvalue (k), 4 mode; values and indices along dim.
DT_API int32_t dt_reduce_with_index(int32_t kind, const dt_tensor* a, int64_t k, int64_t dim, int32_t keepdim, dt_tensor** values, dt_tensor** indices);
DT_API int32_t dt_median_all(const dt_tensor* a, dt_tensor** out);
// dim = INT64_MIN: over the flattened tensor.
DT_API int32_t dt_argmax(const dt_tensor* a, int64_t dim, int32_t keepdim, dt_tensor** out);
DT_API int32_t dt_argmin(const dt_tensor* a, int64_t dim, int32_t keepdim, dt_tensor** out);
DT_API int32_t dt_topk(const dt_tensor* a, int64_t k, int64_t dim, int32_t largest, int32_t sorted, dt_tensor** values, dt_tensor** indices);
DT_API int32_t dt_sort(const dt_tensor* a, int64_t dim, int32_t descending, int32_t stable, dt_tensor** values, dt_tensor** indices);
DT_API int32_t dt_cumsum(const dt_tensor* a, int64_t dim, dt_tensor** out);
DT_API int32_t dt_gather(const dt_tensor* a, int64_t dim, const dt_tensor* index, dt_tensor** out);
DT_API int32_t dt_scatter(const dt_tensor* a, int64_t dim, const dt_tensor* index, const dt_tensor* src, int32_t add, dt_tensor** out);
DT_API int32_t dt_index_select(const dt_tensor* a, int64_t dim, const dt_tensor* index, dt_tensor** out);
DT_API int32_t dt_masked_select(const dt_tensor* a, const dt_tensor* mask, dt_tensor** out);
DT_API int32_t dt_nonzero(const dt_tensor* a, dt_tensor** out);

// ---- shape ------------------------------------------------------------------------------------------------
DT_API int32_t dt_view(const dt_tensor* a, const int64_t* shape, int32_t rank, dt_tensor** out);
DT_API int32_t dt_reshape(const dt_tensor* a, const int64_t* shape, int32_t rank, dt_tensor** out);
DT_API int32_t dt_expand(const dt_tensor* a, const int64_t* shape, int32_t rank, dt_tensor** out);
DT_API int32_t dt_permute(const dt_tensor* a, const int64_t* dims, int32_t rank, dt_tensor** out);
DT_API int32_t dt_transpose(const dt_tensor* a, int64_t dim0, int64_t dim1, dt_tensor** out);
DT_API int32_t dt_narrow(const dt_tensor* a, int64_t dim, int64_t start, int64_t length, dt_tensor** out);
DT_API int32_t dt_slice(const dt_tensor* a, int64_t dim, int64_t start, int64_t end, int64_t step, dt_tensor** out);
DT_API int32_t dt_select(const dt_tensor* a, int64_t dim, int64_t index, dt_tensor** out);
DT_API int32_t dt_unsqueeze(const dt_tensor* a, int64_t dim, dt_tensor** out);
DT_API int32_t dt_squeeze(const dt_tensor* a, int64_t dim, dt_tensor** out);
DT_API int32_t dt_flatten(const dt_tensor* a, int64_t start, int64_t end, dt_tensor** out);
DT_API int32_t dt_cat(const dt_tensor* const* items, int32_t n, int64_t dim, dt_tensor** out);
DT_API int32_t dt_stack(const dt_tensor* const* items, int32_t n, int64_t dim, dt_tensor** out);
DT_API int32_t dt_split(const dt_tensor* a, int64_t size, int64_t dim, dt_tensor** outs, int32_t capacity, int32_t* n_out);
DT_API int32_t dt_chunk(const dt_tensor* a, int64_t chunks, int64_t dim, dt_tensor** outs, int32_t capacity, int32_t* n_out);
DT_API int32_t dt_repeat_interleave(const dt_tensor* a, int64_t repeats, int64_t dim, dt_tensor** out);
DT_API int32_t dt_triangle(const dt_tensor* a, int64_t diagonal, int32_t upper, dt_tensor** out);
DT_API int32_t dt_flip(const dt_tensor* a, const int64_t* dims, int32_t n, dt_tensor** out);

// ---- neural-network functions ------------------------------------------------------------------------------
DT_API int32_t dt_softmax(const dt_tensor* a, int64_t dim, int32_t dtype, dt_tensor** out);
DT_API int32_t dt_log_softmax(const dt_tensor* a, int64_t dim, int32_t dtype, dt_tensor** out);
DT_API int32_t dt_embedding(const dt_tensor* weight, const dt_tensor* ids, dt_tensor** out);
// Normalises over the last dimension.
DT_API int32_t dt_layer_norm(const dt_tensor* x, const dt_tensor* weight, const dt_tensor* bias, double eps, dt_tensor** out);
// Hugging Face LlamaRMSNorm: computed in fp32 (float64 input stays float64), cast back to x's dtype, then scaled by weight.
DT_API int32_t dt_rms_norm(const dt_tensor* x, const dt_tensor* weight, double eps, dt_tensor** out);
DT_API int32_t dt_dropout(const dt_tensor* x, double p, int32_t train, dt_generator* g, dt_tensor** out);
// q [B,H,T,D], k and v [B,Hkv,S,D] with H a multiple of Hkv. mask: optional bool [.., T, S] (true = keep) or
// additive float mask. scale <= 0 means 1/sqrt(D). weights_out (optional): the attention probabilities
// [B,H,T,S]; asking for them selects the explicit composition.
DT_API int32_t dt_attention(const dt_tensor* q, const dt_tensor* k, const dt_tensor* v, const dt_tensor* mask,
                            double dropout_p, int32_t causal, double scale, dt_generator* g,
                            dt_tensor** out, dt_tensor** weights_out);
enum dt_reduction { DT_REDUCTION_NONE = 0, DT_REDUCTION_MEAN = 1, DT_REDUCTION_SUM = 2 };
DT_API int32_t dt_cross_entropy(const dt_tensor* logits, const dt_tensor* target, int64_t ignore_index, int32_t reduction, double label_smoothing, dt_tensor** out);
DT_API int32_t dt_kl_div(const dt_tensor* input, const dt_tensor* target, int32_t reduction, int32_t log_target, dt_tensor** out);
DT_API int32_t dt_mse_loss(const dt_tensor* a, const dt_tensor* b, int32_t reduction, dt_tensor** out);

// ---- optimisation --------------------------------------------------------------------------------------------
// Scales every existing gradient so that their global L2 norm is at most max_norm; returns the norm before
// clipping as a 0-d fp32 tensor (no host synchronisation).
DT_API int32_t dt_clip_grad_norm(const dt_tensor* const* params, int32_t n, double max_norm, dt_tensor** total_norm);
// One AdamW step (decoupled weight decay, bias-corrected) over n parameters; weight_decay is per parameter.
// Parameters without a gradient are skipped. step is the 1-based step count after this update.
DT_API int32_t dt_adamw_step(const dt_tensor* const* params, const dt_tensor* const* exp_avg, const dt_tensor* const* exp_avg_sq,
                             int32_t n, double lr, double beta1, double beta2, double eps, const double* weight_decay, int64_t step);

#ifdef __cplusplus
}
#endif
