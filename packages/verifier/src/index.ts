export const placeholderVersion = "0.0.0"
