using System.Globalization;
using System.Management.Automation;

namespace RedisBackup.PowerShell.Infrastructure;

/// <summary>
/// Lets a TimeSpan parameter take a number of days: -MaxAge 90 is 90 days, as a PowerShell user means it (without
/// this, PowerShell converts the integer into 90 ticks). A TimeSpan, or TimeSpan text such as '14.00:00:00', passes
/// through; a number as text ('90', '1.5') is days too.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DaysTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        try
        {
            return value switch
            {
                null => null,
                TimeSpan span => span,
                byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal
                    => TimeSpan.FromDays(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
                string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var days) => TimeSpan.FromDays(days),
                string text when TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) => span,
                _ => throw new ArgumentTransformationMetadataException(Explain(value)),
            };
        }
        catch (OverflowException ex)
        {
            throw new ArgumentTransformationMetadataException(Explain(value), ex);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentTransformationMetadataException(Explain(value), ex);
        }
    }

    private static string Explain(object? value)
        => $"'{value}' is not an age: give a number of days (90), a TimeSpan ((New-TimeSpan -Hours 12)) or TimeSpan text ('14.00:00:00').";
}
