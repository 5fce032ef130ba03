using System.Management.Automation;
using RedisBackup.Engine.Errors;
using RedisBackup.PowerShell.Infrastructure;

namespace RedisBackup.PowerShell.Tests;

/// <summary>Every engine error kind has a real PowerShell category (the records themselves are checked by running the cmdlets).</summary>
public sealed class ErrorMappingTests
{
    [Fact]
    public void Every_error_kind_maps_to_a_specific_category_and_none_to_NotImplemented()
    {
        foreach (var kind in Enum.GetValues<ErrorKind>())
        {
            var category = ErrorMapping.ToCategory(kind);
            Assert.NotEqual(ErrorCategory.NotSpecified, category);
            // NotImplemented says "this tool lacks a feature"; these errors are refusals of the server or the environment.
            Assert.NotEqual(ErrorCategory.NotImplemented, category);
        }
    }

    [Theory]
    // Kinds by name: discovery reads InlineData before the module folder's engine is resolvable.
    [InlineData("NotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("ConnectionFailed", ErrorCategory.ConnectionError)]
    [InlineData("AuthenticationFailed", ErrorCategory.AuthenticationError)]
    [InlineData("PermissionDenied", ErrorCategory.PermissionDenied)]
    [InlineData("InvalidData", ErrorCategory.InvalidData)]
    [InlineData("InvalidArgument", ErrorCategory.InvalidArgument)]
    [InlineData("ResourceBusy", ErrorCategory.ResourceBusy)]
    [InlineData("Timeout", ErrorCategory.OperationTimeout)]
    [InlineData("WriteFailed", ErrorCategory.WriteError)]
    [InlineData("NotSupported", ErrorCategory.InvalidOperation)]
    [InlineData("Cancelled", ErrorCategory.OperationStopped)]
    public void Categories_read_as_the_error_reads(string kind, ErrorCategory category)
        => Assert.Equal(category, ErrorMapping.ToCategory(Enum.Parse<ErrorKind>(kind)));

    [Theory]
    [InlineData("ContainerNotRunning", "NotSupported", ErrorCategory.ResourceUnavailable)]
    [InlineData("AppendOnlyTarget", "NotSupported", ErrorCategory.InvalidOperation)]
    [InlineData("ContainerRestoreNeedsSnapshot", "NotSupported", ErrorCategory.InvalidOperation)]
    [InlineData("ReplicationRefused", "NotSupported", ErrorCategory.InvalidOperation)]
    public void Refusals_of_the_environment_are_not_NotImplemented(string errorId, string kind, ErrorCategory category)
    {
        var record = ErrorMapping.ForItem(new RedisBackupException(Enum.Parse<ErrorKind>(kind), errorId, "x", "engine-target"), "the-item");
        Assert.Equal(category, record.CategoryInfo.Category);
        Assert.Equal("the-item", record.TargetObject); // the cmdlet's item, not whatever the engine attached
        Assert.StartsWith(errorId, record.FullyQualifiedErrorId, StringComparison.Ordinal);
    }
}
