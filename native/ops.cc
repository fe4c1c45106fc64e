// Elementwise math, reductions, shape manipulation, casting and in-place updates.
#include "common.h"

namespace seal {

// Binary ops accept a tensor or a JS number as the second operand.
#define SEAL_BINARY(fn, name, expr)                                           \
  SEAL_OP(fn, name) {                                                         \
    at::Tensor& a = T(info, 0);                                               \
    if (info[1].IsNumber()) {                                                 \
      at::Scalar b = scalar(info, 1);                                             \
      return W(info.Env(), expr);                                             \
    }                                                                         \
    at::Tensor& b = T(info, 1);                                               \
    return W(info.Env(), expr);                                               \
  }

SEAL_BINARY(Add, "add", at::add(a, b))
SEAL_BINARY(Sub, "sub", at::sub(a, b))
SEAL_BINARY(Mul, "mul", at::mul(a, b))
SEAL_BINARY(Div, "div", at::div(a, b))
SEAL_BINARY(Pow, "pow", at::pow(a, b))
SEAL_BINARY(Eq, "eq", at::eq(a, b))
SEAL_BINARY(Ne, "ne", at::ne(a, b))
SEAL_BINARY(Lt, "lt", at::lt(a, b))
SEAL_BINARY(Le, "le", at::le(a, b))
SEAL_BINARY(Gt, "gt", at::gt(a, b))
SEAL_BINARY(Ge, "ge", at::ge(a, b))

SEAL_OP(Maximum, "maximum") { return W(info.Env(), at::maximum(T(info, 0), T(info, 1))); }
SEAL_OP(Minimum, "minimum") { return W(info.Env(), at::minimum(T(info, 0), T(info, 1))); }
SEAL_OP(Where, "where") { return W(info.Env(), at::where(T(info, 0), T(info, 1), T(info, 2))); }

#define SEAL_UNARY(fn, name, expr) \
  SEAL_OP(fn, name) {              \
    at::Tensor& a = T(info, 0);    \
    return W(info.Env(), expr);    \
  }

SEAL_UNARY(Neg, "neg", at::neg(a))
SEAL_UNARY(Exp, "exp", at::exp(a))
SEAL_UNARY(Log, "log", at::log(a))
SEAL_UNARY(Sqrt, "sqrt", at::sqrt(a))
SEAL_UNARY(Rsqrt, "rsqrt", at::rsqrt(a))
SEAL_UNARY(Abs, "abs", at::abs(a))
SEAL_UNARY(Sign, "sign", at::sign(a))
SEAL_UNARY(Square, "square", at::square(a))
SEAL_UNARY(Sigmoid, "sigmoid", at::sigmoid(a))
SEAL_UNARY(Tanh, "tanh", at::tanh(a))
SEAL_UNARY(Floor, "floor", at::floor(a))
SEAL_UNARY(IsFinite, "isfinite", at::isfinite(a))
SEAL_UNARY(Clone, "clone", a.clone())
SEAL_UNARY(Detach, "detach", a.detach())

// contiguous(t, format?): a dense copy in that memory format, or t itself when it already is.
SEAL_OP(Contiguous, "contiguous") {
  at::Tensor& a = T(info, 0);
  auto f = info[1].IsString() ? parseMemoryFormat(str(info, 1)) : at::MemoryFormat::Contiguous;
  if (f == at::MemoryFormat::Preserve) throw std::invalid_argument("contiguous() needs 'contiguous' or 'channels_last', not 'preserve'");
  return W(info.Env(), a.contiguous(f));
}
SEAL_OP(IsContiguous, "isContiguous") {
  at::Tensor& a = T(info, 0);
  auto f = info[1].IsString() ? parseMemoryFormat(str(info, 1)) : at::MemoryFormat::Contiguous;
  if (f == at::MemoryFormat::Preserve) throw std::invalid_argument("isContiguous() needs 'contiguous' or 'channels_last', not 'preserve'");
  return Napi::Boolean::New(info.Env(), a.is_contiguous(f));
}
// The layout libtorch's kernels will follow for t (its suggest_memory_format()).
SEAL_OP(MemoryFormat, "memoryFormat") {
  return Napi::String::New(info.Env(), memoryFormatName(T(info, 0).suggest_memory_format()));
}
// Re-lays a tensor's data out in place of its storage, keeping the tensor itself (and so any
// handles, optimizer references and requires_grad), as torch's Module.to(memory_format=) does.
SEAL_OP(SetMemoryFormat, "setMemoryFormat_") {
  at::Tensor& a = T(info, 0);
  auto f = parseMemoryFormat(str(info, 1));
  if (f == at::MemoryFormat::Preserve) throw std::invalid_argument("setMemoryFormat_() needs 'contiguous' or 'channels_last', not 'preserve'");
  if (f == at::MemoryFormat::ChannelsLast && a.dim() != 4) throw std::invalid_argument("channels_last needs a 4-d tensor [N, C, H, W], got " + describe(a));
  if (a.grad().defined()) throw std::invalid_argument("setMemoryFormat_() on a tensor that holds a gradient; hint: zeroGrad() first");
  // A tensor with a size-1 dim (conv1's weight on gray images: [C, 1, k, k]) is dense in both
  // layouts, and its strides then decide which one kernels pick; clone() writes the strides of f.
  if (!a.is_contiguous(f) || a.suggest_memory_format() != f) {
    at::NoGradGuard noGrad;
    a.set_data(a.clone(f));
  }
  return info.Env().Undefined();
}

// clamp(t, min|null, max|null)
SEAL_OP(Clamp, "clamp") {
  c10::optional<at::Scalar> lo, hi;
  if (auto v = optF64(info, 1)) lo = *v;
  if (auto v = optF64(info, 2)) hi = *v;
  return W(info.Env(), at::clamp(T(info, 0), lo, hi));
}

// Reductions take dims (null = all) and keepdim.
SEAL_OP(Sum, "sum") {
  auto dims = optInts(info, 1);
  at::Tensor& a = T(info, 0);
  return W(info.Env(), dims ? at::sum(a, *dims, flag(info, 2)) : at::sum(a));
}
SEAL_OP(Mean, "mean") {
  auto dims = optInts(info, 1);
  at::Tensor& a = T(info, 0);
  return W(info.Env(), dims ? at::mean(a, *dims, flag(info, 2)) : at::mean(a));
}
// var(t, dims|null, correction, keepdim)
SEAL_OP(Var, "var") {
  auto dims = optInts(info, 1);
  c10::optional<at::IntArrayRef> d;
  if (dims) d = at::IntArrayRef(*dims);
  return W(info.Env(), at::var(T(info, 0), d, c10::optional<int64_t>(i64(info, 2)), flag(info, 3)));
}
SEAL_OP(Logsumexp, "logsumexp") { return W(info.Env(), at::logsumexp(T(info, 0), ints(info, 1), flag(info, 2))); }
// max/min(t, dim|null, keepdim): with a dim returns [values, indices]
SEAL_OP(Max, "max") {
  at::Tensor& a = T(info, 0);
  if (info[1].IsNull() || info[1].IsUndefined()) return W(info.Env(), at::max(a));
  auto r = at::max(a, i64(info, 1), flag(info, 2));
  return Ws(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
SEAL_OP(Min, "min") {
  at::Tensor& a = T(info, 0);
  if (info[1].IsNull() || info[1].IsUndefined()) return W(info.Env(), at::min(a));
  auto r = at::min(a, i64(info, 1), flag(info, 2));
  return Ws(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
SEAL_OP(Argmax, "argmax") {
  c10::optional<int64_t> dim;
  if (!(info[1].IsNull() || info[1].IsUndefined())) dim = i64(info, 1);
  return W(info.Env(), at::argmax(T(info, 0), dim, flag(info, 2)));
}
// topk(t, k, dim, largest, sorted) -> [values, indices]
SEAL_OP(Topk, "topk") {
  auto r = at::topk(T(info, 0), i64(info, 1), i64(info, 2), flag(info, 3), flag(info, 4));
  return Ws(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
// sort(t, dim, descending) -> [values, indices]
SEAL_OP(Sort, "sort") {
  auto r = at::sort(T(info, 0), i64(info, 1), flag(info, 2));
  return Ws(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
SEAL_OP(Softmax, "softmax") { return W(info.Env(), at::softmax(T(info, 0), i64(info, 1))); }
SEAL_OP(LogSoftmax, "logSoftmax") { return W(info.Env(), at::log_softmax(T(info, 0), i64(info, 1))); }
// norm(t, ord, dims|null, keepdim): vector norm
SEAL_OP(Norm, "norm") {
  auto dims = optInts(info, 2);
  c10::optional<at::IntArrayRef> d;
  if (dims) d = at::IntArrayRef(*dims);
  return W(info.Env(), at::linalg_vector_norm(T(info, 0), f64(info, 1), d, flag(info, 3)));
}
// cdist(a [.., P, M], b [.., R, M], p) -> [.., P, R]
SEAL_OP(Cdist, "cdist") { return W(info.Env(), at::cdist(T(info, 0), T(info, 1), f64(info, 2))); }
SEAL_OP(Matmul, "matmul") { return W(info.Env(), at::matmul(T(info, 0), T(info, 1))); }

// Shapes and indexing.
SEAL_OP(Reshape, "reshape") { return W(info.Env(), at::reshape(T(info, 0), ints(info, 1))); }
SEAL_OP(Flatten, "flatten") { return W(info.Env(), at::flatten(T(info, 0), i64(info, 1), i64(info, 2))); }
SEAL_OP(Permute, "permute") { return W(info.Env(), T(info, 0).permute(ints(info, 1))); }
SEAL_OP(Transpose, "transpose") { return W(info.Env(), at::transpose(T(info, 0), i64(info, 1), i64(info, 2))); }
SEAL_OP(Expand, "expand") { return W(info.Env(), T(info, 0).expand(ints(info, 1))); }
SEAL_OP(Squeeze, "squeeze") { return W(info.Env(), at::squeeze(T(info, 0), i64(info, 1))); }
SEAL_OP(Unsqueeze, "unsqueeze") { return W(info.Env(), at::unsqueeze(T(info, 0), i64(info, 1))); }
SEAL_OP(Cat, "cat") { return W(info.Env(), at::cat(tensors(info, 0), i64(info, 1))); }
SEAL_OP(Stack, "stack") { return W(info.Env(), at::stack(tensors(info, 0), i64(info, 1))); }
SEAL_OP(IndexSelect, "indexSelect") { return W(info.Env(), at::index_select(T(info, 0), i64(info, 1), T(info, 2))); }
SEAL_OP(Gather, "gather") { return W(info.Env(), at::gather(T(info, 0), i64(info, 1), T(info, 2))); }
SEAL_OP(Narrow, "narrow") { return W(info.Env(), at::narrow(T(info, 0), i64(info, 1), i64(info, 2), i64(info, 3))); }
// pad(t, pads [left, right, top, bottom, ...], mode, value)
SEAL_OP(Pad, "pad") { return W(info.Env(), at::pad(T(info, 0), ints(info, 1), str(info, 2), optF64(info, 3))); }
SEAL_OP(Flip, "flip") { return W(info.Env(), at::flip(T(info, 0), ints(info, 1))); }
SEAL_OP(OneHot, "oneHot") { return W(info.Env(), at::one_hot(T(info, 0), i64(info, 1))); }

// to(t, dtype|null, device|null)
SEAL_OP(To, "to") {
  at::Tensor& a = T(info, 0);
  at::ScalarType st = info[1].IsString() ? parseDtype(str(info, 1)) : a.scalar_type();
  c10::Device dev = info[2].IsString() ? parseDevice(str(info, 2)) : a.device();
  return W(info.Env(), a.to(dev, st));
}

// In-place updates (for optimizers, initialisers and buffers); they return nothing so no
// second handle to the same tensor is created.
SEAL_OP(AddInplace, "add_") {
  at::Tensor& a = T(info, 0);
  at::Scalar alpha = info[2].IsNumber() ? scalar(info, 2) : at::Scalar(int64_t{1});
  if (info[1].IsNumber()) a.add_(scalar(info, 1), alpha);
  else a.add_(T(info, 1), alpha);
  return info.Env().Undefined();
}
SEAL_OP(MulInplace, "mul_") {
  at::Tensor& a = T(info, 0);
  if (info[1].IsNumber()) a.mul_(scalar(info, 1));
  else a.mul_(T(info, 1));
  return info.Env().Undefined();
}
SEAL_OP(CopyInplace, "copy_") { T(info, 0).copy_(T(info, 1)); return info.Env().Undefined(); }
SEAL_OP(ZeroInplace, "zero_") { T(info, 0).zero_(); return info.Env().Undefined(); }
SEAL_OP(FillInplace, "fill_") { T(info, 0).fill_(scalar(info, 1)); return info.Env().Undefined(); }

void RegisterOps(Napi::Env env, Napi::Object exports) {
  SEAL_EXPORT(exports, "add", Add);
  SEAL_EXPORT(exports, "sub", Sub);
  SEAL_EXPORT(exports, "mul", Mul);
  SEAL_EXPORT(exports, "div", Div);
  SEAL_EXPORT(exports, "pow", Pow);
  SEAL_EXPORT(exports, "eq", Eq);
  SEAL_EXPORT(exports, "ne", Ne);
  SEAL_EXPORT(exports, "lt", Lt);
  SEAL_EXPORT(exports, "le", Le);
  SEAL_EXPORT(exports, "gt", Gt);
  SEAL_EXPORT(exports, "ge", Ge);
  SEAL_EXPORT(exports, "maximum", Maximum);
  SEAL_EXPORT(exports, "minimum", Minimum);
  SEAL_EXPORT(exports, "where", Where);
  SEAL_EXPORT(exports, "neg", Neg);
  SEAL_EXPORT(exports, "exp", Exp);
  SEAL_EXPORT(exports, "log", Log);
  SEAL_EXPORT(exports, "sqrt", Sqrt);
  SEAL_EXPORT(exports, "rsqrt", Rsqrt);
  SEAL_EXPORT(exports, "abs", Abs);
  SEAL_EXPORT(exports, "sign", Sign);
  SEAL_EXPORT(exports, "square", Square);
  SEAL_EXPORT(exports, "sigmoid", Sigmoid);
  SEAL_EXPORT(exports, "tanh", Tanh);
  SEAL_EXPORT(exports, "floor", Floor);
  SEAL_EXPORT(exports, "isfinite", IsFinite);
  SEAL_EXPORT(exports, "clone", Clone);
  SEAL_EXPORT(exports, "detach", Detach);
  SEAL_EXPORT(exports, "contiguous", Contiguous);
  SEAL_EXPORT(exports, "isContiguous", IsContiguous);
  SEAL_EXPORT(exports, "memoryFormat", MemoryFormat);
  SEAL_EXPORT(exports, "setMemoryFormat_", SetMemoryFormat);
  SEAL_EXPORT(exports, "clamp", Clamp);
  SEAL_EXPORT(exports, "sum", Sum);
  SEAL_EXPORT(exports, "mean", Mean);
  SEAL_EXPORT(exports, "var", Var);
  SEAL_EXPORT(exports, "logsumexp", Logsumexp);
  SEAL_EXPORT(exports, "max", Max);
  SEAL_EXPORT(exports, "min", Min);
  SEAL_EXPORT(exports, "argmax", Argmax);
  SEAL_EXPORT(exports, "topk", Topk);
  SEAL_EXPORT(exports, "sort", Sort);
  SEAL_EXPORT(exports, "softmax", Softmax);
  SEAL_EXPORT(exports, "logSoftmax", LogSoftmax);
  SEAL_EXPORT(exports, "norm", Norm);
  SEAL_EXPORT(exports, "cdist", Cdist);
  SEAL_EXPORT(exports, "matmul", Matmul);
  SEAL_EXPORT(exports, "reshape", Reshape);
  SEAL_EXPORT(exports, "flatten", Flatten);
  SEAL_EXPORT(exports, "permute", Permute);
  SEAL_EXPORT(exports, "transpose", Transpose);
  SEAL_EXPORT(exports, "expand", Expand);
  SEAL_EXPORT(exports, "squeeze", Squeeze);
  SEAL_EXPORT(exports, "unsqueeze", Unsqueeze);
  SEAL_EXPORT(exports, "cat", Cat);
  SEAL_EXPORT(exports, "stack", Stack);
  SEAL_EXPORT(exports, "indexSelect", IndexSelect);
  SEAL_EXPORT(exports, "gather", Gather);
  SEAL_EXPORT(exports, "narrow", Narrow);
  SEAL_EXPORT(exports, "pad", Pad);
  SEAL_EXPORT(exports, "flip", Flip);
  SEAL_EXPORT(exports, "oneHot", OneHot);
  SEAL_EXPORT(exports, "to", To);
  SEAL_EXPORT(exports, "add_", AddInplace);
  SEAL_EXPORT(exports, "mul_", MulInplace);
  SEAL_EXPORT(exports, "copy_", CopyInplace);
  SEAL_EXPORT(exports, "zero_", ZeroInplace);
  SEAL_EXPORT(exports, "fill_", FillInplace);
}

}  // namespace seal
