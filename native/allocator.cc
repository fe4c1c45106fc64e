// A caching CPU allocator for libtorch. A training step allocates the same large buffers
// every iteration; glibc's dynamic mmap threshold then serves them from the heap, where
// under a JS runtime's allocation pattern the heap fragments and RSS grows without bound
// (measured: +12 MB per small-CNN step). Here large blocks are kept on per-size free lists
// and handed out again, so a steady training loop neither page-faults nor grows.
#include <c10/core/CPUAllocator.h>

#include <cstring>
#include <c10/core/impl/alloc_cpu.h>
#include <malloc.h>
#include <unistd.h>

#include <mutex>
#include <unordered_map>
#include <vector>

#include "common.h"

namespace seal {
namespace {

constexpr size_t kMinCached = size_t{1} << 16;  // smaller blocks are freed at once
constexpr size_t kRound = 4096;
// Every block carries its size in a header, so the deleter works on the bare data pointer
// (oneDNN frees through raw_deleter(), which requires data == context).
constexpr size_t kHeader = 64;

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(size_t limit) : limit_(limit) {}

  // libtorch 1.13 to 2.2 declare allocate() const; later releases declare it non-const and add
  // a pure virtual copy_data(). Both forms are defined, without `override`, so that each
  // release's base class finds its own, and the one source builds against any of them.
  c10::DataPtr allocate(size_t n) { return allocateBlock(n); }
  c10::DataPtr allocate(size_t n) const { return allocateBlock(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }

  c10::DataPtr allocateBlock(size_t n) const {
    size_t size = n < kMinCached ? n : (n + kRound - 1) / kRound * kRound;
    void* base = n < kMinCached ? nullptr : take(size);
    if (base == nullptr) {
      base = c10::alloc_cpu(size + kHeader);  // throws c10::Error when out of memory
      if (n >= kMinCached) {
        std::lock_guard<std::mutex> lock(mu_);
        misses_++;
      }
    }
    *static_cast<size_t*>(base) = size;
    void* data = static_cast<char*>(base) + kHeader;
    return {data, data, &CachingCpuAllocator::release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &CachingCpuAllocator::release; }

  void put(void* data) const {
    void* base = static_cast<char*>(data) - kHeader;
    size_t size = *static_cast<size_t*>(base);
    if (size < kMinCached) {
      c10::free_cpu(base);
      return;
    }
    std::vector<void*> drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_[size].push_back(base);
      cached_ += size;
      if (cached_ > limit_) drop = drainLocked();
    }
    for (void* p : drop) c10::free_cpu(p);
  }

  void releaseAll() const {
    std::vector<void*> drop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      drop = drainLocked();
    }
    for (void* p : drop) c10::free_cpu(p);
  }

  void stats(size_t& cached, size_t& hits, size_t& misses) const {
    std::lock_guard<std::mutex> lock(mu_);
    cached = cached_;
    hits = hits_;
    misses = misses_;
  }

  static void release(void* ctx);

 private:
  void* take(size_t size) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(size);
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= size;
    hits_++;
    return p;
  }
  std::vector<void*> drainLocked() const {
    std::vector<void*> all;
    for (auto& kv : free_) all.insert(all.end(), kv.second.begin(), kv.second.end());
    free_.clear();
    cached_ = 0;
    return all;
  }

  size_t limit_;
  mutable std::mutex mu_;
  mutable std::unordered_map<size_t, std::vector<void*>> free_;
  mutable size_t cached_ = 0, hits_ = 0, misses_ = 0;
};

// Never destroyed: tensors may be freed during process teardown, after static destructors.
CachingCpuAllocator* g_alloc = nullptr;

void CachingCpuAllocator::release(void* data) { g_alloc->put(data); }

size_t cacheLimit() {
  if (const char* env = std::getenv("SEAL_CPU_CACHE_MB")) return static_cast<size_t>(std::atoll(env)) << 20;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  size_t quarter = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 4 : size_t{1} << 30;
  return std::min(quarter, size_t{4} << 30);
}

}  // namespace

SEAL_OP(CpuCacheInfo, "cpuCacheInfo") {
  size_t cached = 0, hits = 0, misses = 0;
  if (g_alloc != nullptr) g_alloc->stats(cached, hits, misses);
  auto o = Napi::Object::New(info.Env());
  o.Set("enabled", Napi::Boolean::New(info.Env(), g_alloc != nullptr));
  o.Set("cachedBytes", Napi::Number::New(info.Env(), static_cast<double>(cached)));
  o.Set("hits", Napi::Number::New(info.Env(), static_cast<double>(hits)));
  o.Set("misses", Napi::Number::New(info.Env(), static_cast<double>(misses)));
  // glibc's count of bytes in live malloc blocks (heap and mmap), whoever allocated them: what a
  // leak raises, unlike RSS, which also holds freed but unreturned pages.
  struct mallinfo2 m = mallinfo2();
  o.Set("mallocInUseBytes", Napi::Number::New(info.Env(), static_cast<double>(m.uordblks + m.hblkhd)));
  return o;
}

SEAL_OP(ReleaseCpuCache, "releaseCpuCache") {
  if (g_alloc != nullptr) g_alloc->releaseAll();
  return info.Env().Undefined();
}

void InstallAllocator(Napi::Env env, Napi::Object exports) {
  // SEAL_CPU_CACHE_MB=0 keeps libtorch's own allocator.
  size_t limit = cacheLimit();
  if (limit > 0 && g_alloc == nullptr) {
    // Blocks that do reach glibc (cache misses, flushes) are mmapped, so freeing them returns memory.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    g_alloc = new CachingCpuAllocator(limit);
    c10::SetCPUAllocator(g_alloc, /*priority=*/1);
  }
  SEAL_EXPORT(exports, "cpuCacheInfo", CpuCacheInfo);
  SEAL_EXPORT(exports, "releaseCpuCache", ReleaseCpuCache);
}

}  // namespace seal
