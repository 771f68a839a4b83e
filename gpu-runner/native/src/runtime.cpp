// Runtime control: errors, versions, threads, devices, seeds, grad mode, autocast and generators.
#include "common.h"

#include <torch/cuda.h>

#ifdef DT_WITH_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace
{
thread_local std::string t_last_error;
}

namespace dt
{
std::atomic<int64_t> live_tensors{0};

int32_t fail(int32_t status, const char* message)
{
    t_last_error = message == nullptr ? "unknown error" : message;
    return status;
}

at::ScalarType scalar_type(int32_t dtype)
{
    switch (dtype)
    {
    case DT_F32: return at::kFloat;
    case DT_F16: return at::kHalf;
    case DT_BF16: return at::kBFloat16;
    case DT_F64: return at::kDouble;
    case DT_I64: return at::kLong;
    case DT_I32: return at::kInt;
    case DT_I16: return at::kShort;
    case DT_I8: return at::kChar;
    case DT_U8: return at::kByte;
    case DT_BOOL: return at::kBool;
    default: throw std::invalid_argument("unknown dtype code " + std::to_string(dtype));
    }
}

int32_t dtype_of(at::ScalarType type)
{
    switch (type)
    {
    case at::kFloat: return DT_F32;
    case at::kHalf: return DT_F16;
    case at::kBFloat16: return DT_BF16;
    case at::kDouble: return DT_F64;
    case at::kLong: return DT_I64;
    case at::kInt: return DT_I32;
    case at::kShort: return DT_I16;
    case at::kChar: return DT_I8;
    case at::kByte: return DT_U8;
    case at::kBool: return DT_BOOL;
    default: throw std::invalid_argument(std::string("unsupported dtype ") + c10::toString(type));
    }
}

at::Device device(int32_t device)
{
    if (device < -1)
    {
        throw std::invalid_argument("unknown device code " + std::to_string(device));
    }
    if (device == DT_DEVICE_CPU)
    {
        return at::Device(at::kCPU);
    }
    // Checked here so that asking for CUDA without it fails with a plain sentence instead of libtorch's list of
    // dispatch keys ("Could not run 'aten::empty_strided' with arguments from the 'CUDA' backend ...").
    static const int32_t count = static_cast<int32_t>(torch::cuda::device_count());
    if (count == 0)
    {
#ifdef DT_WITH_CUDA
        throw not_supported("cuda:" + std::to_string(device) + " was requested but no CUDA device is available");
#else
        throw not_supported("cuda:" + std::to_string(device) +
                            " was requested but this Distill shim is built against a CPU-only libtorch; build it with "
                            "-p:DistillCuda=true against a CUDA libtorch, or use the CPU");
#endif
    }
    if (device >= count)
    {
        throw std::invalid_argument("cuda:" + std::to_string(device) + " was requested but only " + std::to_string(count) +
                                    " CUDA device(s) are available");
    }
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device));
}

int32_t device_of(const at::Device& device)
{
    if (device.is_cpu())
    {
        return DT_DEVICE_CPU;
    }
    if (device.is_cuda())
    {
        return device.has_index() ? device.index() : 0;
    }
    throw std::invalid_argument("unsupported device " + device.str());
}

at::Reduction::Reduction reduction(int32_t value)
{
    switch (value)
    {
    case DT_REDUCTION_NONE: return at::Reduction::None;
    case DT_REDUCTION_MEAN: return at::Reduction::Mean;
    case DT_REDUCTION_SUM: return at::Reduction::Sum;
    default: throw std::invalid_argument("unknown reduction code " + std::to_string(value));
    }
}

c10::optional<at::Generator> generator(dt_generator* g)
{
    if (g == nullptr)
    {
        return c10::nullopt;
    }
    return *reinterpret_cast<at::Generator*>(g);
}
} // namespace dt

namespace
{
at::Generator generator_for(dt_generator* g, int32_t device)
{
    if (g != nullptr)
    {
        return *reinterpret_cast<at::Generator*>(g);
    }
    return at::globalContext().defaultGenerator(dt::device(device));
}

#if DT_TORCH_AT_LEAST(2, 4)
bool autocast_enabled(at::DeviceType type) { return at::autocast::is_autocast_enabled(type); }
void set_autocast_enabled(at::DeviceType type, bool on) { at::autocast::set_autocast_enabled(type, on); }
at::ScalarType autocast_dtype(at::DeviceType type) { return at::autocast::get_autocast_dtype(type); }
void set_autocast_dtype(at::DeviceType type, at::ScalarType dtype) { at::autocast::set_autocast_dtype(type, dtype); }
#else
bool autocast_enabled(at::DeviceType type)
{
    return type == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void set_autocast_enabled(at::DeviceType type, bool on)
{
    if (type == at::kCUDA)
    {
        at::autocast::set_enabled(on);
    }
    else
    {
        at::autocast::set_cpu_enabled(on);
    }
}
at::ScalarType autocast_dtype(at::DeviceType type)
{
    return type == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void set_autocast_dtype(at::DeviceType type, at::ScalarType dtype)
{
    if (type == at::kCUDA)
    {
        at::autocast::set_autocast_gpu_dtype(dtype);
    }
    else
    {
        at::autocast::set_autocast_cpu_dtype(dtype);
    }
}
#endif
} // namespace

extern "C" {

const char* dt_last_error(void)
{
    return t_last_error.c_str();
}

int32_t dt_abi_version(void)
{
    return DT_ABI_VERSION;
}

const char* dt_torch_version(void)
{
    return TORCH_VERSION;
}

int32_t dt_build_info(const char** out)
{
    static std::string info;
    DT_GUARD({
        if (info.empty())
        {
            info = at::show_config();
        }
        *out = info.c_str();
    })
}

int32_t dt_set_num_threads(int32_t n)
{
    DT_GUARD({
        if (n < 1)
        {
            throw std::invalid_argument("the thread count must be at least 1, got " + std::to_string(n));
        }
        at::set_num_threads(n);
    })
}

int32_t dt_get_num_threads(int32_t* out)
{
    DT_GUARD(*out = at::get_num_threads())
}

int32_t dt_cuda_device_count(int32_t* out)
{
    DT_GUARD(*out = static_cast<int32_t>(torch::cuda::device_count()))
}

int32_t dt_cuda_synchronize(int32_t device)
{
    DT_GUARD({
        if (torch::cuda::device_count() == 0)
        {
            return dt::fail(DT_NOT_IMPLEMENTED, "no CUDA device is available");
        }
        torch::cuda::synchronize(device);
    })
}

int32_t dt_cuda_memory(int32_t device, int64_t* allocated, int64_t* reserved, int64_t* peak_allocated)
{
#ifdef DT_WITH_CUDA
    DT_GUARD({
        auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
        auto aggregate = static_cast<size_t>(c10::cuda::CUDACachingAllocator::StatType::AGGREGATE);
        *allocated = stats.allocated_bytes[aggregate].current;
        *reserved = stats.reserved_bytes[aggregate].current;
        *peak_allocated = stats.allocated_bytes[aggregate].peak;
    })
#else
    (void)device;
    *allocated = *reserved = *peak_allocated = 0;
    return dt::fail(DT_NOT_IMPLEMENTED, "this build of the Distill shim has no CUDA support");
#endif
}

int32_t dt_manual_seed(uint64_t seed)
{
    DT_GUARD(at::manual_seed(seed))
}

int64_t dt_live_tensor_count(void)
{
    return dt::live_tensors.load(std::memory_order_relaxed);
}

int32_t dt_set_grad_enabled(int32_t enabled, int32_t* previous)
{
    DT_GUARD({
        if (previous != nullptr)
        {
            *previous = c10::GradMode::is_enabled() ? 1 : 0;
        }
        c10::GradMode::set_enabled(enabled != 0);
    })
}

int32_t dt_is_grad_enabled(int32_t* out)
{
    DT_GUARD(*out = c10::GradMode::is_enabled() ? 1 : 0)
}

int32_t dt_autocast_enter(int32_t device_type, int32_t dtype, int64_t* token)
{
    DT_GUARD({
        if (device_type != 0 && device_type != 1)
        {
            throw std::invalid_argument("autocast device type must be 0 (cpu) or 1 (cuda)");
        }
        auto type = device_type == 1 ? at::kCUDA : at::kCPU;
        int64_t previous_enabled = autocast_enabled(type) ? 1 : 0;
        int64_t previous_dtype = dt::dtype_of(autocast_dtype(type));
        set_autocast_dtype(type, dt::scalar_type(dtype));
        set_autocast_enabled(type, true);
        at::autocast::increment_nesting();
        *token = previous_enabled | (previous_dtype << 8) | (static_cast<int64_t>(device_type) << 16);
    })
}

int32_t dt_autocast_exit(int64_t token)
{
    DT_GUARD({
        auto type = ((token >> 16) & 0xff) == 1 ? at::kCUDA : at::kCPU;
        set_autocast_enabled(type, (token & 1) != 0);
        set_autocast_dtype(type, dt::scalar_type(static_cast<int32_t>((token >> 8) & 0xff)));
        if (at::autocast::decrement_nesting() == 0)
        {
            at::autocast::clear_cache();
        }
    })
}

int32_t dt_generator_new(uint64_t seed, int32_t device, dt_generator** out)
{
    *out = nullptr;
    DT_GUARD({
        at::Generator g;
        if (device == DT_DEVICE_CPU)
        {
            g = at::make_generator<at::CPUGeneratorImpl>(seed);
        }
        else
        {
#ifdef DT_WITH_CUDA
            g = at::cuda::detail::createCUDAGenerator(static_cast<c10::DeviceIndex>(device));
            g.set_current_seed(seed);
#else
            return dt::fail(DT_NOT_IMPLEMENTED, "this build of the Distill shim has no CUDA support");
#endif
        }
        *out = reinterpret_cast<dt_generator*>(new at::Generator(std::move(g)));
    })
}

void dt_generator_free(dt_generator* g)
{
    delete reinterpret_cast<at::Generator*>(g);
}

int32_t dt_generator_get_state(dt_generator* g, int32_t device, dt_tensor** out)
{
    DT_RESULT(out, ([&] {
        auto gen = generator_for(g, device);
        std::lock_guard<std::mutex> lock(gen.mutex());
        return gen.get_state();
    })())
}

int32_t dt_generator_set_state(dt_generator* g, int32_t device, const dt_tensor* state)
{
    DT_GUARD({
        auto gen = generator_for(g, device);
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(dt::ref(state));
    })
}

} // extern "C"
