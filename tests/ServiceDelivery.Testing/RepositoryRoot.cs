namespace ServiceDelivery.Testing;

/// <summary>The checkout the tests run from: the folder holding ServiceDelivery.sln, found upwards from the test assembly.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "ServiceDelivery.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ServiceDelivery.sln not found above " + AppContext.BaseDirectory);
    }
}
