// Adds toHaveReceivedCommandWith & co. to expect().
import 'aws-sdk-client-mock-jest';
