/// The NetGPT daemon's namespace (placeholder until the foundation lands).
public enum NetGPTCore {}
