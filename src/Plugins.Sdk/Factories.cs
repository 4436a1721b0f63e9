using Promoter.Abstractions.Channels;
using Promoter.Abstractions.Configuration;
using Promoter.Abstractions.Rendering;
using Promoter.Abstractions.Storage;

namespace Promoter.Plugins.Sdk;

/// <summary>
/// A factory whose checking and building share one reading of the settings: <see cref="Prepare"/> reads every key
/// (and compiles templates), reporting problems to the settings; <see cref="Build"/> turns what it returned into the
/// instance. <c>Validate</c> runs only <see cref="Prepare"/>, <c>Create</c> runs both and refuses a section with
/// problems, so a broken section never gets a placeholder instance.
/// </summary>
/// <typeparam name="TPrepared">What <see cref="Prepare"/> reads: typically the options record.</typeparam>
public abstract class ChannelFactory<TPrepared> : IChannelFactory
    where TPrepared : class
{
    public abstract string Type { get; }

    /// <summary>Reads and checks the section; returns null (or reports errors) when it is not usable.</summary>
    protected abstract TPrepared? Prepare(ChannelSetup setup);

    protected abstract IChannel Build(TPrepared prepared, ChannelSetup setup);

    public IReadOnlyList<ConfigError> Validate(ChannelSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return FactoryChecks.Run(setup.Settings, () => Prepare(setup)).Errors;
    }

    public IChannel Create(ChannelSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return Build(FactoryChecks.Require(setup.Name, setup.Settings, () => Prepare(setup)), setup);
    }
}

/// <inheritdoc cref="ChannelFactory{TPrepared}"/>
public abstract class ImageStoreFactory<TPrepared> : IImageStoreFactory
    where TPrepared : class
{
    public abstract string Type { get; }

    protected abstract TPrepared? Prepare(StoreSetup setup);

    protected abstract IImageStore Build(TPrepared prepared, StoreSetup setup);

    public IReadOnlyList<ConfigError> Validate(StoreSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return FactoryChecks.Run(setup.Settings, () => Prepare(setup)).Errors;
    }

    public IImageStore Create(StoreSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return Build(FactoryChecks.Require(setup.Name, setup.Settings, () => Prepare(setup)), setup);
    }
}

/// <inheritdoc cref="ChannelFactory{TPrepared}"/>
public abstract class RendererFactory<TPrepared> : IAlertRendererFactory
    where TPrepared : class
{
    public abstract string Type { get; }

    protected abstract TPrepared? Prepare(RendererSetup setup);

    protected abstract IAlertRenderer Build(TPrepared prepared, RendererSetup setup);

    public IReadOnlyList<ConfigError> Validate(RendererSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return FactoryChecks.Run(setup.Settings, () => Prepare(setup)).Errors;
    }

    public IAlertRenderer Create(RendererSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return Build(FactoryChecks.Require(setup.Name, setup.Settings, () => Prepare(setup)), setup);
    }
}

internal static class FactoryChecks
{
    public static (T? Prepared, IReadOnlyList<ConfigError> Errors) Run<T>(PluginSettings settings, Func<T?> prepare)
        where T : class
    {
        var before = settings.Diagnostics.Errors.Count;
        var prepared = prepare();
        var errors = settings.Diagnostics.Errors.Skip(before).ToList();
        if (prepared is null && errors.Count == 0)
        {
            // A Prepare that refuses without saying why would leave the operator guessing.
            settings.Diagnostics.Add(settings.Node.Location, settings.Path, "the plugin refused this section without naming a problem",
                "report this to the plugin's author; check the section against the plugin's documentation meanwhile");
            errors = settings.Diagnostics.Errors.Skip(before).ToList();
        }

        return (prepared, errors);
    }

    public static T Require<T>(string name, PluginSettings settings, Func<T?> prepare)
        where T : class
    {
        var (prepared, errors) = Run(settings, prepare);
        if (prepared is null || errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"'{name}' cannot be created: its settings have {errors.Count} problem(s), first: {errors[0]}");
        }

        return prepared;
    }
}
