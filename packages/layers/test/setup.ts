// Importing the package registers the JS backend; this file keeps the tests' intent explicit.
import '@rnn/backend-js';
