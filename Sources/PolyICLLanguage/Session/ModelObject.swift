import PolyICLCore

/// A session object that is a model. The core-bound model object conforms next round;
/// checks that compare arguments with the model's size (points within its context,
/// frozen blocks it has) read the configuration through this.
public protocol ModelObject: SessionObject {
    var configuration: ModelConfiguration { get }
}
