// histogram.h: latencies in a log-linear histogram (as HdrHistogram does).
//
// Values (nanoseconds) below 2^kSubBits are counted exactly; above, each
// power of two is split in 2^kSubBits buckets, so a bucket's width is at most
// 1/64 of its values: any percentile read back is within 1.6 % of the truth,
// in constant memory (64 x 64 counters), whatever the number of samples.
#ifndef SMOP_BENCH_HISTOGRAM_H
#define SMOP_BENCH_HISTOGRAM_H

#include <array>
#include <cstdint>

class Histogram {
public:
    static constexpr int kSubBits = 6;
    static constexpr int kSub = 1 << kSubBits;
    static constexpr int kBuckets = 64 * kSub;

    void Record(std::uint64_t value)
    {
        ++counts_[Index(value)];
        ++total_;
        if (value > max_)
            max_ = value;
    }

    std::uint64_t Count() const { return total_; }
    std::uint64_t Max() const { return max_; }

    // The smallest value v such that at least `fraction` of the samples are
    // <= v (0 with no sample), given as the upper end of v's bucket.
    std::uint64_t Percentile(double fraction) const
    {
        if (total_ == 0)
            return 0;
        std::uint64_t wanted = static_cast<std::uint64_t>(fraction * static_cast<double>(total_) + 0.5);
        if (wanted < 1)
            wanted = 1;
        std::uint64_t seen = 0;
        for (int i = 0; i < kBuckets; ++i) {
            seen += counts_[static_cast<std::size_t>(i)];
            if (seen >= wanted) {
                const std::uint64_t top = UpperBound(i);
                return top < max_ ? top : max_;
            }
        }
        return max_;
    }

    static int Index(std::uint64_t value)
    {
        if (value < static_cast<std::uint64_t>(kSub))
            return static_cast<int>(value);
        const int msb = 63 - __builtin_clzll(value);      // value >= 2^msb
        const int shift = msb - kSubBits;                   // bits below the sub-bucket
        const int sub = static_cast<int>((value >> shift) & (kSub - 1));
        return (shift + 1) * kSub + sub;
    }

    // The largest value that falls in bucket `index`.
    static std::uint64_t UpperBound(int index)
    {
        if (index < kSub)
            return static_cast<std::uint64_t>(index);
        const int shift = index / kSub - 1;
        const std::uint64_t sub = static_cast<std::uint64_t>(index % kSub);
        const std::uint64_t base = (std::uint64_t{1} << (shift + kSubBits)) | (sub << shift);
        return base + ((std::uint64_t{1} << shift) - 1);
    }

private:
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

#endif  // SMOP_BENCH_HISTOGRAM_H
