FROM php:8.2-apache

RUN apt-get update && apt-get install -y \
    libpng-dev libzip-dev unzip git \
 && docker-php-ext-install pdo_mysql gd zip

COPY --from=composer:latest /usr/bin/composer /usr/bin/composer

WORKDIR /var/www/html
COPY . .
RUN composer install --no-dev --optimize-autoloader
RUN chmod -R 777 storage bootstrap/cache
RUN a2enmod rewrite
EXPOSE 80
