// Optimisation: global-norm gradient clipping and AdamW, each one native call per step.
#include "common.h"

#if __has_include(<ATen/ops/_fused_adamw.h>)
#include <ATen/ops/_fused_adamw.h>
#define DT_HAS_FUSED_ADAMW 1
#endif

extern "C" {

int32_t dt_clip_grad_norm(const dt_tensor* const* params, int32_t n, double max_norm, dt_tensor** total_norm)
{
    DT_RESULT(total_norm, ([&] {
        if (!(max_norm > 0.0))
        {
            throw std::invalid_argument("max_norm must be positive");
        }
        at::NoGradGuard no_grad;
        std::vector<at::Tensor> grads;
        for (auto& p : dt::list(params, n))
        {
            if (p.grad().defined())
            {
                grads.push_back(p.grad());
            }
        }
        if (grads.empty())
        {
            return at::zeros({}, at::TensorOptions().dtype(at::kFloat));
        }
        // Synchronisation-free: the clip coefficient stays a device tensor.
        std::vector<at::Tensor> norms;
        norms.reserve(grads.size());
        for (auto& g : grads)
        {
            norms.push_back(at::linalg_vector_norm(g.to(at::kFloat), 2));
        }
        auto total = at::linalg_vector_norm(at::stack(norms), 2);
        auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
        for (auto& g : grads)
        {
            g.mul_(coef.to(g.scalar_type()));
        }
        return total;
    })())
}

int32_t dt_adamw_step(const dt_tensor* const* params, const dt_tensor* const* exp_avg, const dt_tensor* const* exp_avg_sq,
                      int32_t n, double lr, double beta1, double beta2, double eps, const double* weight_decay, int64_t step)
{
    DT_GUARD({
        if (step < 1)
        {
            throw std::invalid_argument("the AdamW step count starts at 1");
        }
        if (n > 0 && weight_decay == nullptr)
        {
            throw std::invalid_argument("weight_decay must hold one value per parameter");
        }
        auto ps = dt::list(params, n);
        auto ms = dt::list(exp_avg, n);
        auto vs = dt::list(exp_avg_sq, n);
        at::NoGradGuard no_grad;
        const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(step));
        const double bias_correction2 = 1.0 - std::pow(beta2, static_cast<double>(step));
        const double step_size = lr / bias_correction1;
        const double bias_correction2_sqrt = std::sqrt(bias_correction2);
        for (int32_t i = 0; i < n; i++)
        {
            auto& p = ps[i];
            const auto& g = p.grad();
            if (!g.defined())
            {
                continue;
            }
#ifdef DT_HAS_FUSED_ADAMW
            if (p.is_cuda())
            {
                auto steps = at::full({}, static_cast<double>(step), p.options().dtype(at::kFloat));
                std::vector<at::Tensor> one_p{p}, one_g{g}, one_m{ms[i]}, one_v{vs[i]}, no_max, one_step{steps};
                at::_fused_adamw_(one_p, one_g, one_m, one_v, no_max, one_step, lr, beta1, beta2, weight_decay[i], eps,
                                  /*amsgrad=*/false, /*maximize=*/false);
                continue;
            }
#endif
            // The single-tensor update of torch.optim.AdamW, operation for operation.
            if (weight_decay[i] != 0.0)
            {
                p.mul_(1.0 - lr * weight_decay[i]);
            }
            ms[i].mul_(beta1).add_(g, 1.0 - beta1);
            vs[i].mul_(beta2).addcmul_(g, g, 1.0 - beta2);
            auto denom = (vs[i].sqrt() / bias_correction2_sqrt).add_(eps);
            p.addcdiv_(ms[i], denom, -step_size);
        }
    })
}

} // extern "C"
