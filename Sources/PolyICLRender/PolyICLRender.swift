public enum PolyICLRender {}
