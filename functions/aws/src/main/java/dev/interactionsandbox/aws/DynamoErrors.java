package dev.interactionsandbox.aws;

import dev.interactionsandbox.core.error.StoreException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

import java.util.function.Supplier;

/** Translates SDK failures into the core's StoreException, once, at the adapter boundary. */
final class DynamoErrors {
    private DynamoErrors() {
    }

    static <T> T translate(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkClientException e) {
            throw new StoreException(operation + ": DynamoDB could not be reached: " + e.getMessage(), e, true);
        } catch (DynamoDbException e) {
            boolean throttled = e.isThrottlingException() || e.statusCode() >= 500;
            throw new StoreException(operation + ": DynamoDB refused: " + e.getMessage(), e, throttled);
        } catch (SdkException e) {
            throw new StoreException(operation + ": " + e.getMessage(), e, e.retryable());
        }
    }
}
