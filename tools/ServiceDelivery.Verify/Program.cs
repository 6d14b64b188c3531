using System.Text;
using ServiceDelivery.Verify;

if (!Console.IsOutputRedirected)
{
    Console.OutputEncoding = Encoding.UTF8;
}

return VerifyCommand.Run(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable("LANG"));
