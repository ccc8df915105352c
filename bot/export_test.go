package bot

// Explanation exposes explanation to the external tests.
var Explanation = explanation
