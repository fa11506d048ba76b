public enum PolyICLLanguage {}
