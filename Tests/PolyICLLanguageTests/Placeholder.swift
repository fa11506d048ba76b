import Testing
import PolyICLLanguage
