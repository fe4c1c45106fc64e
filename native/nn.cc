// Neural-network ops: convolution, batch norm, pooling, linear, losses, and the SGD update.
#include "common.h"

namespace seal {

// oneDNN 2.6's AVX2 kernel for the weight gradient of a strided 1x1 convolution in NHWC writes
// past its buffer when a group has fewer than 8 input channels (its vector width): heap
// corruption, then a crash or a hang, on every AVX2-only CPU (valgrind: invalid writes with 4
// channels at stride 2, none with 12 channels at stride 2 or with 4 at stride 1). On the CPU
// such a convolution runs here as a stride-1 convolution of the (padded) input sampled every
// `stride` pixels: the same function, and autograd differentiates the sampling. The AVX-512
// kernel's vector holds 16 channels and no tool here can check it, so it gets the same margin:
// fewer than 16 channels per group. Wider layers (every preset's shortcut) keep libtorch's
// kernel, which is about twice as fast.
struct ConvArgs {
  at::Tensor x;
  std::vector<int64_t> stride, padding;
};

ConvArgs avoidNarrowStrided1x1(const at::Tensor& x, const at::Tensor& w, std::vector<int64_t> stride, std::vector<int64_t> padding) {
  bool pointwise = w.dim() == 4 && w.size(2) == 1 && w.size(3) == 1 && w.size(1) < 16;
  bool strided = stride.size() == 2 && (stride[0] > 1 || stride[1] > 1);
  if (!x.is_cpu() || !pointwise || !strided || padding.size() != 2 || x.dim() < 3) return {x, stride, padding};
  at::Tensor in = x;
  if (padding[0] > 0 || padding[1] > 0) in = at::constant_pad_nd(in, {padding[1], padding[1], padding[0], padding[0]}, 0);
  int64_t h = in.dim() - 2, wd = in.dim() - 1;
  in = in.slice(h, 0, in.size(h), stride[0]).slice(wd, 0, in.size(wd), stride[1]);
  return {in, {1, 1}, {0, 0}};
}

// conv2d(x, weight, bias|null, stride[2], padding[2], dilation[2], groups)
SEAL_OP(Conv2d, "conv2d") {
  const at::Tensor& w = T(info, 1);
  ConvArgs a = avoidNarrowStrided1x1(T(info, 0), w, ints(info, 3), ints(info, 4));
  const at::Tensor& x = a.x;
  if (hessianConvolutions() && x.is_cpu() && at::GradMode::is_enabled() && (x.requires_grad() || w.requires_grad()))
    return W(info.Env(), hessianConv2d(x, w, optT(info, 2), a.stride, a.padding, ints(info, 5), i64(info, 6)));
  return W(info.Env(), at::conv2d(x, w, optT(info, 2), a.stride, a.padding, ints(info, 5), i64(info, 6)));
}
// batchNorm(x, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum, eps)
// In training mode the running statistics are updated in place, as torch.nn.functional.batch_norm does.
SEAL_OP(BatchNorm, "batchNorm") {
  return W(info.Env(), at::batch_norm(T(info, 0), optT(info, 1), optT(info, 2), optT(info, 3), optT(info, 4),
                                      flag(info, 5), f64(info, 6), f64(info, 7), at::globalContext().userEnabledCuDNN()));
}
SEAL_OP(Relu, "relu") { return W(info.Env(), at::relu(T(info, 0))); }
// maxPool2d(x, kernel[2], stride[2], padding[2], dilation[2], ceilMode)
SEAL_OP(MaxPool2d, "maxPool2d") {
  return W(info.Env(), at::max_pool2d(T(info, 0), ints(info, 1), ints(info, 2), ints(info, 3), ints(info, 4), flag(info, 5)));
}
// avgPool2d(x, kernel[2], stride[2], padding[2])
SEAL_OP(AvgPool2d, "avgPool2d") {
  return W(info.Env(), at::avg_pool2d(T(info, 0), ints(info, 1), ints(info, 2), ints(info, 3)));
}
SEAL_OP(AdaptiveAvgPool2d, "adaptiveAvgPool2d") { return W(info.Env(), at::adaptive_avg_pool2d(T(info, 0), ints(info, 1))); }
// interpolate(x [B,C,H,W], size [2], mode 'bilinear'|'nearest', alignCorners)
SEAL_OP(Interpolate, "interpolate") {
  std::string mode = str(info, 2);
  auto size = ints(info, 1);
  if (mode == "bilinear") return W(info.Env(), at::upsample_bilinear2d(T(info, 0), size, flag(info, 3)));
  if (mode == "nearest") return W(info.Env(), at::upsample_nearest2d(T(info, 0), size));
  throw std::invalid_argument("unknown interpolation mode '" + mode + "'; expected 'bilinear' or 'nearest'");
}
// linear(x, weight [out, in], bias|null)
SEAL_OP(Linear, "linear") { return W(info.Env(), at::linear(T(info, 0), T(info, 1), optT(info, 2))); }

static int64_t reduction(const std::string& r) {
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw std::invalid_argument("unknown reduction '" + r + "'; expected 'mean', 'sum' or 'none'");
}
// crossEntropy(logits [B, C], target [B] int64, weight|null, reduction, ignoreIndex, labelSmoothing)
SEAL_OP(CrossEntropy, "crossEntropy") {
  return W(info.Env(), at::cross_entropy_loss(T(info, 0), T(info, 1), optT(info, 2), reduction(str(info, 3)), i64(info, 4), f64(info, 5)));
}
// nllLoss(logProbs [B, C], target [B], reduction)
SEAL_OP(NllLoss, "nllLoss") {
  return W(info.Env(), at::nll_loss(T(info, 0), T(info, 1), {}, reduction(str(info, 2))));
}

// sgdStep(params[], buffers (Tensor|null)[], lr, momentum, dampening, weightDecay, nesterov)
// One torch.optim.SGD step over a parameter group: coupled weight decay, a momentum buffer set
// to the first gradient it sees, a negative lr allowed (gradient ascent). Parameters without a
// gradient are skipped. Returns, per parameter, a newly created momentum buffer or null. The
// arithmetic runs as multi-tensor (_foreach_*) ops over the group: on a GPU a few fused kernels
// instead of four per parameter; on the CPU the same per-tensor kernels, so the same bits.
SEAL_OP(SgdStep, "sgdStep") {
  Napi::Env env = info.Env();
  auto params = tensors(info, 0);
  auto bufArr = info[1].As<Napi::Array>();
  if (!info[1].IsArray() || bufArr.Length() != params.size()) throw Napi::TypeError::New(env, "argument 1: expected one buffer slot per parameter");
  double lr = f64(info, 2), momentum = f64(info, 3), dampening = f64(info, 4), wd = f64(info, 5);
  bool nesterov = flag(info, 6);
  at::NoGradGuard noGrad;
  auto out = Napi::Array::New(env, params.size());
  std::vector<at::Tensor> P, G, B;  // parameters with a gradient, their gradients and buffers
  std::vector<uint32_t> slots;      // each one's index in params
  for (size_t i = 0; i < params.size(); i++) {
    out.Set(static_cast<uint32_t>(i), env.Null());
    if (!params[i].grad().defined()) continue;
    P.push_back(params[i]);
    G.push_back(params[i].grad());
    slots.push_back(static_cast<uint32_t>(i));
    if (momentum == 0) continue;
    Napi::Value slot = bufArr.Get(static_cast<uint32_t>(i));
    if (slot.IsNull() || slot.IsUndefined()) {
      B.emplace_back();  // made from the first step's d below
      continue;
    }
    TensorWrap* w = isTensor(slot) ? TensorWrap::Unwrap(slot.As<Napi::Object>()) : nullptr;
    if (w == nullptr || !w->alive) throw Napi::TypeError::New(env, "momentum buffer " + std::to_string(i) + " is not a live tensor");
    B.push_back(w->tensor);
  }
  if (P.empty()) return out;
  std::vector<at::Tensor> D = wd != 0 ? at::_foreach_add(G, P, wd) : G;
  if (momentum != 0) {
    std::vector<at::Tensor> held, heldD;  // existing buffers and their d
    for (size_t k = 0; k < P.size(); k++) {
      if (B[k].defined()) {
        held.push_back(B[k]);
        heldD.push_back(D[k]);
      } else {
        B[k] = D[k].clone().detach();
        out.Set(slots[k], W(env, B[k]));
      }
    }
    if (!held.empty()) {
      at::_foreach_mul_(held, momentum);
      at::_foreach_add_(held, heldD, 1 - dampening);
    }
    D = nesterov ? at::_foreach_add(D, B, momentum) : B;
  }
  at::_foreach_add_(P, D, -lr);
  return out;
}

void RegisterNn(Napi::Env env, Napi::Object exports) {
  SEAL_EXPORT(exports, "conv2d", Conv2d);
  SEAL_EXPORT(exports, "batchNorm", BatchNorm);
  SEAL_EXPORT(exports, "relu", Relu);
  SEAL_EXPORT(exports, "maxPool2d", MaxPool2d);
  SEAL_EXPORT(exports, "avgPool2d", AvgPool2d);
  SEAL_EXPORT(exports, "adaptiveAvgPool2d", AdaptiveAvgPool2d);
  SEAL_EXPORT(exports, "linear", Linear);
  SEAL_EXPORT(exports, "interpolate", Interpolate);
  SEAL_EXPORT(exports, "crossEntropy", CrossEntropy);
  SEAL_EXPORT(exports, "nllLoss", NllLoss);
  SEAL_EXPORT(exports, "sgdStep", SgdStep);
}

}  // namespace seal
