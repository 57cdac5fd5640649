import '../local/polyfills';
