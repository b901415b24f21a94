using Engine.Config.Yaml;

namespace Engine.Config.Binding;

/// <summary>
/// Binds one message from <paramref name="node"/> at <paramref name="path"/>; <paramref name="anchor"/>
/// is where its location points (the field key or list item). Returns null when absent or unusable.
/// </summary>
internal delegate T? MessageBinder<T>(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    where T : class;
