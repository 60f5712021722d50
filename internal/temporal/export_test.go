package temporal

// HashOf exposes the hash so its properties can be tested on inputs Render
// cannot produce.
var HashOf = hashOf
