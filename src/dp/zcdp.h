// Conversions between zero-concentrated differential privacy (zCDP; Bun and Steinke 2016,
// arXiv:1605.02065) and (epsilon, delta)-differential privacy, for the privacy accounting.
//
// rho-zCDP implies (epsilon, delta)-DP, for every Renyi order alpha > 1, with
//   delta = exp((alpha - 1)(alpha rho - epsilon)) / alpha * (1 - 1/alpha)^(alpha - 1)
// (Canonne, Kamath and Steinke 2020, arXiv:2004.00010, Corollary 13). Solved for each side:
//   epsilon_alpha(rho) = alpha rho + ln(1 - 1/alpha) + (ln(1/delta) - ln alpha) / (alpha - 1),
//   rho_alpha(epsilon) = (epsilon - ln(1 - 1/alpha) - (ln(1/delta) - ln alpha) / (alpha - 1))
//                        / alpha.
// Every alpha > 1 gives a valid conversion; the functions below search for the best one. The
// simpler bound epsilon = rho + 2 sqrt(rho ln(1/delta)) (Bun and Steinke, Proposition 1.3) is
// never tighter. All functions are pure and thread-safe.
#ifndef CLEANROOM_DP_ZCDP_H_
#define CLEANROOM_DP_ZCDP_H_

#include <cstdint>

namespace cleanroom::dp {

// The smallest epsilon for which rho-zCDP implies (epsilon, delta)-DP by Corollary 13.
// Requires rho > 0 and 0 < delta < 1.
double ZcdpToEpsilon(double rho, double delta);

// rho + 2 sqrt(rho ln(1/delta)).
double ZcdpToEpsilonSimple(double rho, double delta);

// The largest rho for which rho-zCDP implies (epsilon, delta)-DP by Corollary 13 (searched
// numerically, not rounded: use EpsilonToZcdpFixedPoint for accounting). Requires epsilon > 0
// and 0 < delta < 1; the result is positive.
double EpsilonToZcdp(double epsilon, double delta);

// rho values in the accounting are integers counting units of 2^-kRhoFractionBits.
inline constexpr int kRhoFractionBits = 32;

// EpsilonToZcdp conservatively in fixed point: rho_alpha(epsilon) at the best alpha found,
// less a margin far above its floating-point error, rounded down to a multiple of
// 2^-kRhoFractionBits. The result r satisfies r * 2^-kRhoFractionBits <= the exact largest
// rho, so granting it never grants more than (epsilon, delta)-DP allows. Same requirements.
int64_t EpsilonToZcdpFixedPoint(double epsilon, double delta);

}  // namespace cleanroom::dp

#endif  // CLEANROOM_DP_ZCDP_H_
