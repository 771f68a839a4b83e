// Shared helpers for the shim's translation units: status handling, handle wrapping, argument conversion.
#pragma once

#include "pch.h"
#include "distill_torch.h"

#define DT_TORCH_AT_LEAST(major, minor) \
    (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace dt
{
// Thrown for a request this build or machine cannot serve (CUDA without a CUDA device); reported as
// DT_NOT_IMPLEMENTED, which the binding raises as TorchNotSupportedException.
class not_supported : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Records the message for dt_last_error() and returns the status.
int32_t fail(int32_t status, const char* message);

// libtorch's CPU allocator reports a failed allocation as a plain c10::Error ("DefaultCPUAllocator: can't allocate
// memory: you tried to allocate N bytes"), not as c10::OutOfMemoryError; recognise it so host OOM is DT_OUT_OF_MEMORY too.
inline int32_t error_status(const c10::Error& e)
{
    const std::string& message = e.msg();
    return message.find("can't allocate memory") != std::string::npos || message.find("not enough memory") != std::string::npos
               ? DT_OUT_OF_MEMORY
               : DT_ERROR;
}

extern std::atomic<int64_t> live_tensors;

inline dt_tensor* wrap(at::Tensor t)
{
    if (!t.defined())
    {
        return nullptr;
    }
    live_tensors.fetch_add(1, std::memory_order_relaxed);
    return reinterpret_cast<dt_tensor*>(new at::Tensor(std::move(t)));
}

inline const at::Tensor& ref(const dt_tensor* p)
{
    if (p == nullptr)
    {
        throw std::invalid_argument("a required tensor argument is null (was it disposed?)");
    }
    return *reinterpret_cast<const at::Tensor*>(p);
}

// An optional tensor: NULL becomes an undefined at::Tensor.
inline at::Tensor opt(const dt_tensor* p)
{
    return p == nullptr ? at::Tensor() : *reinterpret_cast<const at::Tensor*>(p);
}

inline std::vector<at::Tensor> list(const dt_tensor* const* items, int32_t n)
{
    if (n < 0 || (n > 0 && items == nullptr))
    {
        throw std::invalid_argument("invalid tensor list");
    }
    std::vector<at::Tensor> result;
    result.reserve(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; i++)
    {
        result.push_back(ref(items[i]));
    }
    return result;
}

inline at::IntArrayRef dims(const int64_t* values, int32_t n)
{
    if (n < 0 || (n > 0 && values == nullptr))
    {
        throw std::invalid_argument("invalid shape or dimension list");
    }
    return at::IntArrayRef(values, static_cast<size_t>(n));
}

at::ScalarType scalar_type(int32_t dtype);
int32_t dtype_of(at::ScalarType type);
at::Device device(int32_t device);
int32_t device_of(const at::Device& device);
at::Reduction::Reduction reduction(int32_t value);

inline at::TensorOptions options(int32_t dtype, int32_t dev)
{
    return at::TensorOptions().dtype(scalar_type(dtype)).device(device(dev));
}

inline c10::optional<at::ScalarType> optional_dtype(int32_t dtype)
{
    return dtype < 0 ? c10::optional<at::ScalarType>() : c10::optional<at::ScalarType>(scalar_type(dtype));
}

c10::optional<at::Generator> generator(dt_generator* g);

inline void set_null(dt_tensor** out)
{
    if (out != nullptr)
    {
        *out = nullptr;
    }
}

inline void require_out(dt_tensor** out)
{
    if (out == nullptr)
    {
        throw std::invalid_argument("the output pointer is null");
    }
}
} // namespace dt

// Wraps an entry point's body: every exception becomes a status and a message, none escapes the ABI.
#define DT_GUARD(...)                                                                             \
    try                                                                                            \
    {                                                                                              \
        __VA_ARGS__;                                                                               \
        return DT_OK;                                                                              \
    }                                                                                              \
    catch (const c10::OutOfMemoryError& e)                                                         \
    {                                                                                              \
        return dt::fail(DT_OUT_OF_MEMORY, e.what_without_backtrace());                            \
    }                                                                                              \
    catch (const c10::NotImplementedError& e)                                                      \
    {                                                                                              \
        return dt::fail(DT_NOT_IMPLEMENTED, e.what_without_backtrace());                          \
    }                                                                                              \
    catch (const c10::IndexError& e)                                                               \
    {                                                                                              \
        return dt::fail(DT_INVALID_ARGUMENT, e.what_without_backtrace());                         \
    }                                                                                              \
    catch (const c10::ValueError& e)                                                               \
    {                                                                                              \
        return dt::fail(DT_INVALID_ARGUMENT, e.what_without_backtrace());                         \
    }                                                                                              \
    catch (const c10::TypeError& e)                                                                \
    {                                                                                              \
        return dt::fail(DT_INVALID_ARGUMENT, e.what_without_backtrace());                         \
    }                                                                                              \
    catch (const c10::Error& e)                                                                    \
    {                                                                                              \
        return dt::fail(dt::error_status(e), e.what_without_backtrace());                         \
    }                                                                                              \
    catch (const dt::not_supported& e)                                                             \
    {                                                                                              \
        return dt::fail(DT_NOT_IMPLEMENTED, e.what());                                            \
    }                                                                                              \
    catch (const std::invalid_argument& e)                                                         \
    {                                                                                              \
        return dt::fail(DT_INVALID_ARGUMENT, e.what());                                           \
    }                                                                                              \
    catch (const std::out_of_range& e)                                                             \
    {                                                                                              \
        return dt::fail(DT_INVALID_ARGUMENT, e.what());                                           \
    }                                                                                              \
    catch (const std::bad_alloc&)                                                                  \
    {                                                                                              \
        return dt::fail(DT_OUT_OF_MEMORY, "out of memory");                                       \
    }                                                                                              \
    catch (const std::exception& e)                                                                \
    {                                                                                              \
        return dt::fail(DT_ERROR, e.what());                                                      \
    }                                                                                              \
    catch (...)                                                                                    \
    {                                                                                              \
        return dt::fail(DT_ERROR, "unknown C++ exception");                                       \
    }

// A body producing one tensor into `out`.
#define DT_RESULT(out, ...)         \
    dt::set_null(out);              \
    DT_GUARD(dt::require_out(out); *(out) = dt::wrap(__VA_ARGS__))
