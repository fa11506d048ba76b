import Testing
import PolyICLRender
