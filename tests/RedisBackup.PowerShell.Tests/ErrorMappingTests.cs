using System.Management.Automation;
using RedisBackup.Engine.Errors;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>Every engine error kind has a real PowerShell category (the enum comes from the reference assembly).</summary>
public sealed class ErrorMappingTests
{
    [Fact]
    public void Every_error_kind_maps_to_a_specific_category()
    {
        foreach (var kind in Enum.GetValues<ErrorKind>())
        {
            var category = ErrorMapping.ToCategory(kind);
            Assert.NotEqual(ErrorCategory.NotSpecified, category);
            Assert.NotEqual(ErrorCategory.InvalidOperation, category); // the fallback: a new kind must get its own entry
        }
    }

    [Theory]
    [InlineData(ErrorKind.NotFound, ErrorCategory.ObjectNotFound)]
    [InlineData(ErrorKind.ConnectionFailed, ErrorCategory.ConnectionError)]
    [InlineData(ErrorKind.AuthenticationFailed, ErrorCategory.AuthenticationError)]
    [InlineData(ErrorKind.PermissionDenied, ErrorCategory.PermissionDenied)]
    [InlineData(ErrorKind.InvalidData, ErrorCategory.InvalidData)]
    [InlineData(ErrorKind.InvalidArgument, ErrorCategory.InvalidArgument)]
    [InlineData(ErrorKind.ResourceBusy, ErrorCategory.ResourceBusy)]
    [InlineData(ErrorKind.Timeout, ErrorCategory.OperationTimeout)]
    [InlineData(ErrorKind.WriteFailed, ErrorCategory.WriteError)]
    [InlineData(ErrorKind.Cancelled, ErrorCategory.OperationStopped)]
    public void Categories_read_as_the_error_reads(ErrorKind kind, ErrorCategory category)
        => Assert.Equal(category, ErrorMapping.ToCategory(kind));
}
