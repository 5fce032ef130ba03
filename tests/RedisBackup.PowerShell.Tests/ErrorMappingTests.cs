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
    [InlineData("NotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("ConnectionFailed", ErrorCategory.ConnectionError)]
    [InlineData("AuthenticationFailed", ErrorCategory.AuthenticationError)]
    [InlineData("PermissionDenied", ErrorCategory.PermissionDenied)]
    [InlineData("InvalidData", ErrorCategory.InvalidData)]
    [InlineData("InvalidArgument", ErrorCategory.InvalidArgument)]
    [InlineData("ResourceBusy", ErrorCategory.ResourceBusy)]
    [InlineData("Timeout", ErrorCategory.OperationTimeout)]
    [InlineData("WriteFailed", ErrorCategory.WriteError)]
    // Kinds by name: discovery reads InlineData before the module folder's engine is resolvable.
    public void Categories_read_as_the_error_reads(string kind, ErrorCategory category)
        => Assert.Equal(category, ErrorMapping.ToCategory(Enum.Parse<ErrorKind>(kind)));
}
