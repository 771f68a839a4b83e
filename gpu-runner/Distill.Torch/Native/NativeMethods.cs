using System.Runtime.InteropServices;

namespace Distill.Torch.Native;

/// <summary>The shim's C ABI (gpu-runner/native/include/distill_torch.h), one declaration per entry point.</summary>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "distilltorch";
    internal const int AbiVersion = 1;

    // ---- runtime ----
    [LibraryImport(Library)] internal static partial nint dt_last_error();
    [LibraryImport(Library)] internal static partial int dt_abi_version();
    [LibraryImport(Library)] internal static partial nint dt_torch_version();
    [LibraryImport(Library)] internal static partial int dt_build_info(out nint info);
    [LibraryImport(Library)] internal static partial int dt_set_num_threads(int n);
    [LibraryImport(Library)] internal static partial int dt_get_num_threads(out int n);
    [LibraryImport(Library)] internal static partial int dt_cuda_device_count(out int n);
    [LibraryImport(Library)] internal static partial int dt_cuda_synchronize(int device);
    [LibraryImport(Library)] internal static partial int dt_cuda_memory(int device, out long allocated, out long reserved, out long peakAllocated);
    [LibraryImport(Library)] internal static partial int dt_manual_seed(ulong seed);
    [LibraryImport(Library)] internal static partial long dt_live_tensor_count();
    [LibraryImport(Library)] internal static partial int dt_set_grad_enabled(int enabled, out int previous);
    [LibraryImport(Library)] internal static partial int dt_is_grad_enabled(out int enabled);
    [LibraryImport(Library)] internal static partial int dt_autocast_enter(int deviceType, int dtype, out long token);
    [LibraryImport(Library)] internal static partial int dt_autocast_exit(long token);

    // ---- generators ----
    [LibraryImport(Library)] internal static partial int dt_generator_new(ulong seed, int device, out GeneratorHandle result);
    [LibraryImport(Library)] internal static partial void dt_generator_free(nint generator);
    [LibraryImport(Library)] internal static partial int dt_generator_get_state(GeneratorHandle generator, int device, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_generator_set_state(GeneratorHandle generator, int device, TensorHandle state);

    // ---- tensors ----
    [LibraryImport(Library)] internal static partial void dt_tensor_free(nint tensor);
    [LibraryImport(Library)] internal static partial int dt_tensor_info(TensorHandle t, out int dtype, out int device, out int rank, out int requiresGrad);
    [LibraryImport(Library)] internal static partial int dt_tensor_shape(TensorHandle t, long* shape, int capacity);
    [LibraryImport(Library)] internal static partial int dt_tensor_is_leaf(TensorHandle t, out int result);
    [LibraryImport(Library)] internal static partial int dt_tensor_is_contiguous(TensorHandle t, out int result);
    [LibraryImport(Library)] internal static partial int dt_tensor_same_storage(TensorHandle a, TensorHandle b, out int result);
    [LibraryImport(Library)] internal static partial int dt_from_data(void* data, long* shape, int rank, int dtype, int device, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_copy_to_host(TensorHandle t, void* destination, long byteCount);
    [LibraryImport(Library)] internal static partial int dt_item(TensorHandle t, out double value);
    [LibraryImport(Library)] internal static partial int dt_alias(TensorHandle t, out TensorHandle result);

    // ---- creation ----
    [LibraryImport(Library)] internal static partial int dt_full(long* shape, int rank, double value, int dtype, int device, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_empty(long* shape, int rank, int dtype, int device, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_arange(double start, double end, double step, int dtype, int device, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_random(int kind, long* shape, int rank, double a, double b, int dtype, int device, GeneratorHandle generator, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_bernoulli(TensorHandle probs, GeneratorHandle generator, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_multinomial(TensorHandle probs, long samples, int replacement, GeneratorHandle generator, out TensorHandle result);

    // ---- conversion and autograd ----
    [LibraryImport(Library)] internal static partial int dt_to(TensorHandle t, int dtype, int device, int copy, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_contiguous(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_clone(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_detach(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_set_requires_grad(TensorHandle t, int requiresGrad);
    [LibraryImport(Library)] internal static partial int dt_grad(TensorHandle t, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_set_grad(TensorHandle t, TensorHandle grad);
    [LibraryImport(Library)] internal static partial int dt_backward(TensorHandle t, TensorHandle grad, int retainGraph);
    [LibraryImport(Library)] internal static partial int dt_zero_grad(nint* parameters, int n);
    [LibraryImport(Library)] internal static partial int dt_set_data(TensorHandle t, TensorHandle data);

    // ---- elementwise ----
    [LibraryImport(Library)] internal static partial int dt_unary(int op, TensorHandle a, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_binary(int op, TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_binary_scalar(int op, TensorHandle a, double b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_add_scaled(TensorHandle a, TensorHandle b, double alpha, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_binary_(int op, TensorHandle a, TensorHandle b, double scalar);
    [LibraryImport(Library)] internal static partial int dt_copy_(TensorHandle destination, TensorHandle source);
    [LibraryImport(Library)] internal static partial int dt_fill_(TensorHandle t, double value);
    [LibraryImport(Library)] internal static partial int dt_clamp(TensorHandle a, double min, double max, int hasMin, int hasMax, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_where(TensorHandle condition, TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_masked_fill(TensorHandle a, TensorHandle mask, double value, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_lerp(TensorHandle a, TensorHandle b, double weight, out TensorHandle result);

    // ---- linear algebra ----
    [LibraryImport(Library)] internal static partial int dt_matmul(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_bmm(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_linear(TensorHandle x, TensorHandle weight, TensorHandle bias, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_addmm(TensorHandle bias, TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_outer(TensorHandle a, TensorHandle b, out TensorHandle result);

    // ---- reductions and selection ----
    [LibraryImport(Library)] internal static partial int dt_reduce(int op, TensorHandle a, long* dims, int ndims, int keepDim, int dtype, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_reduce_with_index(int kind, TensorHandle a, long k, long dim, int keepDim, out TensorHandle values, out TensorHandle indices);
    [LibraryImport(Library)] internal static partial int dt_median_all(TensorHandle a, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_argmax(TensorHandle a, long dim, int keepDim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_argmin(TensorHandle a, long dim, int keepDim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_topk(TensorHandle a, long k, long dim, int largest, int sorted, out TensorHandle values, out TensorHandle indices);
    [LibraryImport(Library)] internal static partial int dt_sort(TensorHandle a, long dim, int descending, int stable, out TensorHandle values, out TensorHandle indices);
    [LibraryImport(Library)] internal static partial int dt_cumsum(TensorHandle a, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_gather(TensorHandle a, long dim, TensorHandle index, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_scatter(TensorHandle a, long dim, TensorHandle index, TensorHandle source, int add, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_index_select(TensorHandle a, long dim, TensorHandle index, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_masked_select(TensorHandle a, TensorHandle mask, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_nonzero(TensorHandle a, out TensorHandle result);

    // ---- shape ----
    [LibraryImport(Library)] internal static partial int dt_view(TensorHandle a, long* shape, int rank, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_reshape(TensorHandle a, long* shape, int rank, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_expand(TensorHandle a, long* shape, int rank, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_permute(TensorHandle a, long* dims, int rank, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_transpose(TensorHandle a, long dim0, long dim1, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_narrow(TensorHandle a, long dim, long start, long length, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_slice(TensorHandle a, long dim, long start, long end, long step, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_select(TensorHandle a, long dim, long index, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_unsqueeze(TensorHandle a, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_squeeze(TensorHandle a, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_flatten(TensorHandle a, long start, long end, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_cat(nint* items, int n, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_stack(nint* items, int n, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_split(TensorHandle a, long size, long dim, nint* outputs, int capacity, out int count);
    [LibraryImport(Library)] internal static partial int dt_chunk(TensorHandle a, long chunks, long dim, nint* outputs, int capacity, out int count);
    [LibraryImport(Library)] internal static partial int dt_repeat_interleave(TensorHandle a, long repeats, long dim, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_triangle(TensorHandle a, long diagonal, int upper, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_flip(TensorHandle a, long* dims, int n, out TensorHandle result);

    // ---- neural-network functions ----
    [LibraryImport(Library)] internal static partial int dt_softmax(TensorHandle a, long dim, int dtype, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_log_softmax(TensorHandle a, long dim, int dtype, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_embedding(TensorHandle weight, TensorHandle ids, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_layer_norm(TensorHandle x, TensorHandle weight, TensorHandle bias, double eps, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_rms_norm(TensorHandle x, TensorHandle weight, double eps, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_dropout(TensorHandle x, double p, int train, GeneratorHandle generator, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_attention(TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle mask, double dropoutP, int causal, double scale, GeneratorHandle generator, out TensorHandle result, nint* weights);
    [LibraryImport(Library)] internal static partial int dt_cross_entropy(TensorHandle logits, TensorHandle target, long ignoreIndex, int reduction, double labelSmoothing, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_kl_div(TensorHandle input, TensorHandle target, int reduction, int logTarget, out TensorHandle result);
    [LibraryImport(Library)] internal static partial int dt_mse_loss(TensorHandle a, TensorHandle b, int reduction, out TensorHandle result);

    // ---- optimisation ----
    [LibraryImport(Library)] internal static partial int dt_clip_grad_norm(nint* parameters, int n, double maxNorm, out TensorHandle totalNorm);
    [LibraryImport(Library)] internal static partial int dt_adamw_step(nint* parameters, nint* expAvg, nint* expAvgSq, int n, double lr, double beta1, double beta2, double eps, double* weightDecay, long step);
}
