package dev.interactionsandbox.core.model;

import java.util.Locale;
import java.util.Optional;

/** The API's names of enum constants: the constant's name in lower case. */
final class WireNames {
    private WireNames() {
    }

    static String of(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    static <E extends Enum<E>> Optional<E> find(E[] constants, String wireName) {
        for (E constant : constants) {
            if (of(constant).equals(wireName)) {
                return Optional.of(constant);
            }
        }
        return Optional.empty();
    }
}
