using System.Numerics;

namespace EvalTests.Python;

/// <summary>Python's numeric behaviour where OpenCompass's numbers depend on it.</summary>
public static class PythonMath
{
    /// <summary>
    /// Python's <c>round(value, digits)</c>: the exact binary value rounded to <paramref name="digits"/> decimals, halves
    /// to even. (.NET's Math.Round scales by a power of ten first, which turns 6.33499999… into 633.5 and rounds it up.)
    /// </summary>
    public static double Round(double value, int digits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 22);
        if (!double.IsFinite(value) || value == 0)
        {
            return value;
        }

        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        // |value| × 10^digits = mantissa × 10^digits × 2^(exponent − 1075), as an exact fraction.
        exponent -= 1075;
        var numerator = mantissa * BigInteger.Pow(10, digits);
        var denominator = BigInteger.One;
        if (exponent > 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }

        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient++;
        }

        var rounded = (double)quotient / Math.Pow(10, digits);
        return value < 0 ? -rounded : rounded;
    }
}
