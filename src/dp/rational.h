// Exact rational numbers for the parameters of differential privacy (noise variances, scales and
// exponents), so that neither a parameter nor a sample drawn from it is ever rounded.
#ifndef CLEANROOM_DP_RATIONAL_H_
#define CLEANROOM_DP_RATIONAL_H_

#include <boost/multiprecision/cpp_int.hpp>
#include <string>

namespace cleanroom::dp {

// An arbitrary-precision signed integer.
using BigInt = boost::multiprecision::cpp_int;

// The number num / den. A well-formed value has den > 0; it need not be in lowest terms
// (functions that take a Rational say what they accept). Equality compares values, so
// 2/4 == 1/2.
struct Rational {
  BigInt num = 0;
  BigInt den = 1;

  // "num/den", or just "num" when den is 1.
  std::string ToString() const { return den == 1 ? num.str() : num.str() + "/" + den.str(); }

  friend bool operator==(const Rational& a, const Rational& b) {
    return a.num * b.den == b.num * a.den;
  }
};

}  // namespace cleanroom::dp

#endif  // CLEANROOM_DP_RATIONAL_H_
