// The histogram's promise: every value lands in a bucket whose upper end is
// within 1/64 above it, and percentiles read back within that error.
#include <gtest/gtest.h>

#include <cstdint>

#include "histogram.h"

TEST(Histogram, EveryValueIsWithinItsBucket)
{
    for (std::uint64_t v = 0; v < 200000; v = v < 1000 ? v + 1 : v + v / 97 + 1) {
        const int index = Histogram::Index(v);
        ASSERT_GE(index, 0);
        ASSERT_LT(index, Histogram::kBuckets);
        const std::uint64_t top = Histogram::UpperBound(index);
        ASSERT_GE(top, v) << v;
        ASSERT_LE(top - v, v / 64) << v;
        ASSERT_EQ(Histogram::Index(top), index) << v;
    }
    EXPECT_LT(Histogram::Index(UINT64_MAX), Histogram::kBuckets);
}

TEST(Histogram, PercentilesOfAKnownDistribution)
{
    Histogram h;
    EXPECT_EQ(h.Percentile(0.5), 0u);
    for (std::uint64_t v = 1; v <= 100000; ++v)
        h.Record(v * 1000);  // 1 us .. 100 ms, in ns
    EXPECT_EQ(h.Count(), 100000u);
    EXPECT_EQ(h.Max(), 100000000u);
    const double p50 = static_cast<double>(h.Percentile(0.5));
    const double p99 = static_cast<double>(h.Percentile(0.99));
    const double p999 = static_cast<double>(h.Percentile(0.999));
    EXPECT_NEAR(p50, 50000000.0, 50000000.0 / 64);
    EXPECT_NEAR(p99, 99000000.0, 99000000.0 / 64);
    EXPECT_NEAR(p999, 99900000.0, 99900000.0 / 64);
    EXPECT_EQ(h.Percentile(1.0), h.Max());
}
