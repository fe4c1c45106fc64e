// A convolution whose higher derivatives run on oneDNN, for Hessian-vector products.
//
// libtorch 1.13 differentiates a convolution's backward with `_convolution_double_backward`,
// which computes the term for the layer's input as a transposed convolution; on the CPU that has
// no oneDNN kernel and falls to `slow_conv_transpose2d` (im2col), a third of a Hessian-vector
// product's time on seal's ResNets. That term is the input gradient of a convolution, which
// oneDNN computes. Three functions close the algebra:
//   y  = conv(x, w)               (linear in x and in w)
//   gx = inputGrad(gy, w)         the input gradient, convᵀ(gy, w)
//   gw = weightGrad(x, gy)        the weight gradient
// and each one's derivatives are again these three (⟨a, conv(x, w)⟩ = ⟨inputGrad(a, w), x⟩ =
// ⟨weightGrad(x, a), w⟩), so derivatives of any order stay on oneDNN's kernels. Only Hessian
// code turns it on (setHessianConvolutions): first-order training keeps libtorch's own path.
#include <torch/csrc/autograd/custom_function.h>

#include "common.h"

namespace seal {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::Variable;
using torch::autograd::variable_list;

bool enabled = false;

struct Geometry {
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups;
};

void keep(AutogradContext* ctx, const Geometry& g) {
  ctx->saved_data["stride"] = g.stride;
  ctx->saved_data["padding"] = g.padding;
  ctx->saved_data["dilation"] = g.dilation;
  ctx->saved_data["groups"] = g.groups;
}

Geometry kept(AutogradContext* ctx) {
  return {ctx->saved_data["stride"].toIntVector(), ctx->saved_data["padding"].toIntVector(),
          ctx->saved_data["dilation"].toIntVector(), ctx->saved_data["groups"].toInt()};
}

// The one backend call: output_mask picks the input gradient [1,0,0] or the weight gradient [0,1,0].
at::Tensor convGrad(const at::Tensor& gy, const at::Tensor& x, const at::Tensor& w, const Geometry& g, bool input) {
  auto r = at::convolution_backward(gy, x, w, c10::nullopt, g.stride, g.padding, g.dilation, false, {0, 0}, g.groups,
                                    {input, !input, false});
  return input ? std::get<0>(r) : std::get<1>(r);
}

at::Tensor convApply(const at::Tensor& x, const at::Tensor& w, const Geometry& g);
at::Tensor inputGradApply(const at::Tensor& gy, const at::Tensor& w, const at::Tensor& x, const Geometry& g);
at::Tensor weightGradApply(const at::Tensor& x, const at::Tensor& gy, const at::Tensor& w, const Geometry& g);

struct Conv : public torch::autograd::Function<Conv> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, Geometry g) {
    ctx->save_for_backward({x, w});
    keep(ctx, g);
    return at::convolution(x, w, c10::nullopt, g.stride, g.padding, g.dilation, false, {0, 0}, g.groups);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto s = ctx->get_saved_variables();
    auto g = kept(ctx);
    const at::Tensor &x = s[0], &w = s[1], &gy = grads[0];
    return {ctx->needs_input_grad(0) ? inputGradApply(gy, w, x, g) : Variable(),
            ctx->needs_input_grad(1) ? weightGradApply(x, gy, w, g) : Variable(), Variable()};
  }
};

// x only carries the input's shape and layout to the backend; it is never differentiated.
struct InputGrad : public torch::autograd::Function<InputGrad> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& gy, const at::Tensor& w, const at::Tensor& x,
                            Geometry g) {
    ctx->save_for_backward({gy, w});
    keep(ctx, g);
    return convGrad(gy, x, w, g, true);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto s = ctx->get_saved_variables();
    auto g = kept(ctx);
    const at::Tensor &gy = s[0], &w = s[1], &a = grads[0];
    return {ctx->needs_input_grad(0) ? convApply(a, w, g) : Variable(),
            ctx->needs_input_grad(1) ? weightGradApply(a, gy, w, g) : Variable(), Variable(), Variable()};
  }
};

// w only carries the weight's shape to the backend; it is never differentiated.
struct WeightGrad : public torch::autograd::Function<WeightGrad> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& gy, const at::Tensor& w,
                            Geometry g) {
    ctx->save_for_backward({x, gy});
    keep(ctx, g);
    return convGrad(gy, x, w, g, false);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto s = ctx->get_saved_variables();
    auto g = kept(ctx);
    const at::Tensor &x = s[0], &gy = s[1], &a = grads[0];
    return {ctx->needs_input_grad(0) ? inputGradApply(gy, a, x, g) : Variable(),
            ctx->needs_input_grad(1) ? convApply(x, a, g) : Variable(), Variable(), Variable()};
  }
};

at::Tensor convApply(const at::Tensor& x, const at::Tensor& w, const Geometry& g) { return Conv::apply(x, w, g); }
at::Tensor inputGradApply(const at::Tensor& gy, const at::Tensor& w, const at::Tensor& x, const Geometry& g) {
  return InputGrad::apply(gy, w, x.detach(), g);
}
at::Tensor weightGradApply(const at::Tensor& x, const at::Tensor& gy, const at::Tensor& w, const Geometry& g) {
  return WeightGrad::apply(x, gy, w.detach(), g);
}

}  // namespace

bool hessianConvolutions() { return enabled; }

// conv2d on the functions above: a bias, if any, is added by broadcasting (its derivatives are trivial).
at::Tensor hessianConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias,
                         at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  if (x.dim() != 4) return at::conv2d(x, w, bias, stride, padding, dilation, groups);  // unbatched: libtorch's path
  auto y = Conv::apply(x, w, Geometry{stride.vec(), padding.vec(), dilation.vec(), groups});
  return bias && bias->defined() ? y.add(bias->view({1, -1, 1, 1})) : y;
}

SEAL_OP(SetHessianConvolutions, "setHessianConvolutions") {
  bool prev = enabled;
  enabled = flag(info, 0);
  return Napi::Boolean::New(info.Env(), prev);
}

void RegisterConvHessian(Napi::Env env, Napi::Object exports) {
  SEAL_EXPORT(exports, "setHessianConvolutions", SetHessianConvolutions);
}

}  // namespace seal
